using Microsoft.Data.Analysis;
using Microsoft.DotNet.Interactive.Formatting;
using static TorchSharp.torch;

namespace Workbench.Viz;

/// <summary>Registers how the library's types render in notebooks (text/html) and consoles (text/plain).</summary>
/// <remarks>Runs once when the library loads (see <see cref="Library"/>), so notebooks need no formatting code.</remarks>
public static class Formatters
{
    /// <summary>Registers (or re-registers) every formatter; safe to call more than once.</summary>
    public static void Register()
    {
        Add<Figure>(f => f.ToHtml(), f => f.ToString());
        Add<TokenStrip>(s => s.ToHtml(), s => s.ToString());
        Add<HtmlView>(h => h.Content, h => h.Content);
        Add<Tensor>(TensorView.ToHtml, TensorView.ToText);
        Add<DataFrame>(HtmlTable.From, df => df.ToString());
        Add<Papers.Reproduction>(r => r.ToHtml(), r => r.ToString());
        Add<Cost.CostLedger>(c => c.ToHtml(), c => c.ToString());
        Add<Decoding.Speculative.SpeculativeStep>(s => Decoding.Speculative.SpeculativeViews.StepStrip(s, s.Tokenizer).ToHtml(),
            s => Decoding.Speculative.SpeculativeViews.StepStrip(s, s.Tokenizer).ToString());
        Add<Decoding.Speculative.SpeculativeTrace>(t => Decoding.Speculative.SpeculativeViews.TraceView(t).Content,
            t => Decoding.Speculative.SpeculativeViews.TraceStrip(t, t.Tokenizer).ToString());
    }

    static void Add<T>(Func<T, string> html, Func<T, string> text)
    {
        Formatter.Register<T>((value, writer) => writer.Write(html(value)), HtmlFormatter.MimeType);
        Formatter.Register<T>((value, writer) => writer.Write(text(value)), PlainTextFormatter.MimeType);
        Formatter.SetPreferredMimeTypesFor(typeof(T), HtmlFormatter.MimeType);
    }
}
