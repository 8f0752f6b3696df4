using TorchSharp;
using TorchSharp.Utils;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Workbench.Models.Transformer;

/// <summary>SwiGLU MLP: down(silu(gate(x)) * up(x)), named as in Hugging Face Llama.</summary>
public sealed class FeedForward : nn.Module<Tensor, Tensor>
{
    [ComponentName(Name = "gate_proj")] readonly Linear _gate;
    [ComponentName(Name = "up_proj")] readonly Linear _up;
    [ComponentName(Name = "down_proj")] readonly Linear _down;

    /// <summary>A d -> hidden -> d SwiGLU block without biases.</summary>
    public FeedForward(TransformerConfig c) : base(nameof(FeedForward))
    {
        _gate = nn.Linear(c.Dim, c.HiddenDim, hasBias: false);
        _up = nn.Linear(c.Dim, c.HiddenDim, hasBias: false);
        _down = nn.Linear(c.HiddenDim, c.Dim, hasBias: false);
        RegisterComponents();
    }

    /// <inheritdoc/>
    public override Tensor forward(Tensor x) => _down.forward(F.silu(_gate.forward(x)) * _up.forward(x));
}
