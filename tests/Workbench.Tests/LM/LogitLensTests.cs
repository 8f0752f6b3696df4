using Workbench.Models.Transformer;
using Workbench.Tests.Speculative;

namespace Workbench.Tests.LM;

public class LogitLensTests
{
    [Fact]
    public void TheTopLayerReadsOutTheModelsOwnPrediction()
    {
        var model = SpeculativeTests.RandomModel(3, 32, 5);
        var tokens = new long[] { 4, 8, 15, 16, 23, 42 % 40 };
        var lens = LogitLens.Of(model, tokens);
        Assert.Equal(3, lens.Layers);
        var greedyNext = Workbench.Decoding.Autoregressive.Generate(model, tokens, 1).Generated[0];
        Assert.Equal(greedyNext, lens.TopToken[2, tokens.Length - 1]);
        for (int i = 0; i < tokens.Length; i++)
        {
            Assert.Equal(lens.TopProb[2, i], lens.FinalProbOfFinal[2, i], 6);
            var settled = lens.SettledLayer()[i];
            for (int l = settled; l < 3; l++) Assert.Equal(lens.TopToken[2, i], lens.TopToken[l, i]);
            if (settled > 0) Assert.NotEqual(lens.TopToken[2, i], lens.TopToken[settled - 1, i]);
        }
    }
}
