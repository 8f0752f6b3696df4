using System.Globalization;
using System.Text.Json.Nodes;
using Workbench.Data.Language;
using Workbench.Decoding.Speculative;
using Workbench.Viz;

namespace Workbench.Papers.JudgeDecoding;

/// <summary>The seeds pooled: means per verifier and τ, the operating point, the key figures and the criteria.</summary>
public sealed class JudgeDecodingSummary
{
    /// <summary>Summarises the seeds of one run.</summary>
    public JudgeDecodingSummary(JudgeDecodingConfig config, IReadOnlyList<JudgeSeedResult> seeds)
    {
        if (seeds.Count == 0) throw new ArgumentException("no seeds to summarise");
        Config = config;
        Seeds = seeds;
        Taus = config.TauSweep;
        TargetAccuracy = seeds.Average(s => s.TargetAccuracy);
        DraftAccuracy = seeds.Average(s => s.DraftAccuracy);
        StandardTokensPerCall = seeds.Average(s => s.Standard.TokensPerCall);
        StandardAccuracy = seeds.Average(s => s.Standard.Accuracy);
        JudgeTokensPerCall = Taus.Select((_, i) => seeds.Average(s => s.Judge[i].TokensPerCall)).ToArray();
        JudgeAccuracy = Taus.Select((_, i) => seeds.Average(s => s.Judge[i].Accuracy)).ToArray();
        RandomTokensPerCall = Taus.Select((_, i) => seeds.Average(s => s.Random[i].TokensPerCall)).ToArray();
        RandomAccuracy = Taus.Select((_, i) => seeds.Average(s => s.Random[i].Accuracy)).ToArray();
        // Operating point: the most tokens per call whose accuracy stays within a point of the target alone; when no τ
        // keeps accuracy, the τ that loses least.
        var within = Enumerable.Range(0, Taus.Length).Where(i => JudgeAccuracy[i] >= TargetAccuracy - 0.01).ToList();
        Operating = within.Count > 0
            ? within.OrderByDescending(i => JudgeTokensPerCall[i]).First()
            : Enumerable.Range(0, Taus.Length).OrderByDescending(i => JudgeAccuracy[i]).First();
    }

    /// <summary>The sizes used.</summary>
    public JudgeDecodingConfig Config { get; }

    /// <summary>Each seed's measurements.</summary>
    public IReadOnlyList<JudgeSeedResult> Seeds { get; }

    /// <summary>The thresholds swept.</summary>
    public double[] Taus { get; }

    /// <summary>Task accuracy of the target decoding alone (mean over seeds).</summary>
    public double TargetAccuracy { get; }

    /// <summary>Task accuracy of the draft decoding alone (mean over seeds).</summary>
    public double DraftAccuracy { get; }

    /// <summary>Tokens per target call under standard greedy verification.</summary>
    public double StandardTokensPerCall { get; }

    /// <summary>Task accuracy under standard greedy verification (lossless: the target's own answers).</summary>
    public double StandardAccuracy { get; }

    /// <summary>Per τ: tokens per target call with the judge.</summary>
    public double[] JudgeTokensPerCall { get; }

    /// <summary>Per τ: task accuracy with the judge.</summary>
    public double[] JudgeAccuracy { get; }

    /// <summary>Per τ: tokens per target call of the random acceptor matched to the judge's overrule rate.</summary>
    public double[] RandomTokensPerCall { get; }

    /// <summary>Per τ: task accuracy of the matched random acceptor.</summary>
    public double[] RandomAccuracy { get; }

    /// <summary>Index of the operating τ.</summary>
    public int Operating { get; }

    /// <summary>The operating τ.</summary>
    public double OperatingTau => Taus[Operating];

    /// <summary>Mean standard tokens per call of a text source (by name prefix) over seeds.</summary>
    public double TextTokensPerCall(string sourcePrefix) =>
        Seeds.Average(s => s.Texts.First(t => t.Source.StartsWith(sourcePrefix, StringComparison.Ordinal)).StandardTokensPerCall);

    static string F(double x, string format = "0.00") => x.ToString(format, CultureInfo.InvariantCulture);

    /// <summary>The paper's "reproduced if" criteria, measured.</summary>
    public IReadOnlyList<Criterion> Criteria()
    {
        int o = Operating;
        double human = TextTokensPerCall("valid human text, style C");
        double ratio = JudgeTokensPerCall[o] / StandardTokensPerCall;
        double judgeLoss = (TargetAccuracy - JudgeAccuracy[o]) * 100, randomLoss = (TargetAccuracy - RandomAccuracy[o]) * 100;
        var runs = Seeds.Select(s => s.Judge[o]).ToList();
        double measured = runs.Average(r => r.MeasuredSpeedup), modelled = runs.Average(r => r.ModelledSpeedup);
        return new[]
        {
            new Criterion("valid \"human\" text averages < 3 accepted tokens per target call under standard greedy verification",
                $"{F(human)} tokens per call (style C, γ = {Config.Gamma}, {Seeds.Count} seeds)", human < 3),
            new Criterion("at some τ, judge verification gives >= 2x the accepted tokens per target call of standard verification with task accuracy within 1 point of the target alone",
                $"τ = {F(OperatingTau)}: {F(JudgeTokensPerCall[o])} vs {F(StandardTokensPerCall)} tokens per call ({F(ratio)}x), accuracy {F(JudgeAccuracy[o] * 100, "0.0")}% vs {F(TargetAccuracy * 100, "0.0")}% ({F(-judgeLoss, "+0.0;-0.0;0.0")} pt)",
                ratio >= 2 && judgeLoss <= 1),
            new Criterion("a random acceptor at the same acceptance rate loses >= 5 points of task accuracy",
                $"τ = {F(OperatingTau)}: random acceptance {F(Seeds.Average(s => s.Random[o].AcceptanceRate))} vs judge {F(Seeds.Average(s => s.Judge[o].AcceptanceRate))}, accuracy {F(RandomAccuracy[o] * 100, "0.0")}% ({F(-randomLoss, "+0.0;-0.0;0.0")} pt; target alone {F(TargetAccuracy * 100, "0.0")}%, draft alone {F(DraftAccuracy * 100, "0.0")}%)",
                randomLoss >= 5),
            new Criterion("modelled speedup (accepted+1)/(1 + γ c_draft/c_target) and measured wall-clock speedup are both reported",
                $"τ = {F(OperatingTau)}: modelled {F(modelled)}x, measured {F(measured)}x (standard: modelled {F(Seeds.Average(s => s.Standard.ModelledSpeedup))}x, measured {F(Seeds.Average(s => s.Standard.MeasuredSpeedup))}x)",
                double.IsFinite(measured) && double.IsFinite(modelled)),
        };
    }

    /// <summary>(a) The motivating figure: tokens per target call when each kind of text is offered as the draft.</summary>
    public Figure MotivatingFigure()
    {
        var sources = Seeds[0].Texts.Select(t => t.Source).ToList();
        var standard = sources.Select(src => Seeds.Average(s => s.Texts.First(t => t.Source == src).StandardTokensPerCall));
        var judged = sources.Select(src => Seeds.Average(s => s.Texts.First(t => t.Source == src).JudgeTokensPerCall(OperatingTau, Config.Gamma)));
        return new Figure($"Standard verification rejects valid text in another style (γ = {Config.Gamma})")
            .Bar(sources, standard, "standard (greedy match)", SpeculativeViews.Colour(Verdict.Accepted))
            .Bar(sources, judged, $"standard OR judge > {F(OperatingTau)}", SpeculativeViews.Colour(Verdict.JudgeAccepted))
            .HLine(3, label: "3 tokens per call").YAxis("accepted tokens per target call");
    }

    /// <summary>(b) The main figure: tokens per target call and task accuracy versus τ.</summary>
    public Figure MainFigure()
    {
        return Figure.Grid(2, $"Judge vs standard vs random acceptor (style-B draft, γ = {Config.Gamma}, {Seeds.Count} seeds)",
            new Figure("Tokens per target call")
                .Line(Taus, JudgeTokensPerCall, "judge", markers: true)
                .Line(Taus, RandomTokensPerCall, "random (same overrule rate)", markers: true, dash: "dot")
                .HLine(StandardTokensPerCall, label: "standard").XAxis("τ").YAxis("tokens per call"),
            new Figure("Task accuracy")
                .Line(Taus, JudgeAccuracy.Select(a => a * 100), "judge", markers: true)
                .Line(Taus, RandomAccuracy.Select(a => a * 100), "random (same overrule rate)", markers: true, dash: "dot")
                .HLine(TargetAccuracy * 100, label: "target alone")
                .HLine(DraftAccuracy * 100, color: "#999", dash: "dot", label: "draft alone").XAxis("τ").YAxis("% correct answers"));
    }

    /// <summary>(c) Judge scores of valid and invalid tokens on held-out prompts, with the operating τ.</summary>
    public Figure ScoreHistogram() =>
        new Figure("Judge scores on held-out labelled tokens").BarMode("overlay")
            .Histogram(Seeds.SelectMany(s => s.ValidScores), "valid tokens", SpeculativeViews.Colour(Verdict.Accepted), bins: 40, normalized: true)
            .Histogram(Seeds.SelectMany(s => s.InvalidScores), "first erroneous tokens", SpeculativeViews.Colour(Verdict.Rejected), bins: 40, normalized: true)
            .VLine(OperatingTau, label: $"τ = {F(OperatingTau)}").XAxis("judge score").YAxis("share of tokens");

    /// <summary>The first seed's judge trace at the operating τ with the most judge-accepted tokens, as a verdict strip.</summary>
    public TokenStrip VerdictStrip() => StripOf(Seeds[0].Judge[Operating]);

    /// <summary>The trace of <paramref name="run"/> with the most judge-accepted tokens as a verdict strip (hover shows
    /// each drafted token's judge score).</summary>
    public static TokenStrip StripOf(VerifierRun run)
    {
        var trace = run.Traces.OrderByDescending(t => t.Steps.Sum(s => s.Drafted.Count(d => d.Verdict == Verdict.JudgeAccepted))).First();
        var strip = SpeculativeViews.TraceStrip(trace, Lexicon.Tokenizer);
        strip.Title = $"{run.Verifier}: {run.TokensPerCall:0.00} tokens per target call, accuracy {run.Accuracy:P0} over {run.Traces.Count} prompts (this prompt shown)";
        return strip;
    }

    /// <summary>Per τ, averaged over seeds: the judge's precision, recall and invalid tokens let through on held-out
    /// labelled tokens, next to what it did in decoding and what the random acceptor did.</summary>
    public Microsoft.Data.Analysis.DataFrame QualityTable() => new(
        new Microsoft.Data.Analysis.DoubleDataFrameColumn("τ", Taus),
        new Microsoft.Data.Analysis.DoubleDataFrameColumn("precision", Taus.Select((_, i) => Seeds.Average(s => s.Quality[i].Precision))),
        new Microsoft.Data.Analysis.DoubleDataFrameColumn("recall", Taus.Select((_, i) => Seeds.Average(s => s.Quality[i].Recall))),
        new Microsoft.Data.Analysis.DoubleDataFrameColumn("invalid let through", Taus.Select((_, i) => Seeds.Average(s => s.Quality[i].InvalidAccepted))),
        new Microsoft.Data.Analysis.DoubleDataFrameColumn("judge tokens/call", JudgeTokensPerCall),
        new Microsoft.Data.Analysis.DoubleDataFrameColumn("judge accuracy", JudgeAccuracy),
        new Microsoft.Data.Analysis.DoubleDataFrameColumn("random accuracy", RandomAccuracy));

    /// <summary>The figure's numbers, for JSON.</summary>
    public JsonObject Numbers()
    {
        JsonArray Arr(IEnumerable<double> xs) => new(xs.Select(x => (JsonNode)Math.Round(x, 4)).ToArray());
        return new JsonObject
        {
            ["gamma"] = Config.Gamma,
            ["seeds"] = Seeds.Count,
            ["eval_prompts"] = Config.EvalPrompts,
            ["judge_parameters"] = Seeds[0].JudgeParameters,
            ["judge_train_tokens"] = Arr(Seeds.Select(s => (double)s.TrainTokens)),
            ["judge_train_negatives"] = Arr(Seeds.Select(s => (double)s.TrainNegatives)),
            ["target_accuracy"] = Math.Round(TargetAccuracy, 4),
            ["draft_accuracy"] = Math.Round(DraftAccuracy, 4),
            ["standard_tokens_per_call"] = Math.Round(StandardTokensPerCall, 4),
            ["taus"] = Arr(Taus),
            ["judge_tokens_per_call"] = Arr(JudgeTokensPerCall),
            ["judge_accuracy"] = Arr(JudgeAccuracy),
            ["random_tokens_per_call"] = Arr(RandomTokensPerCall),
            ["random_accuracy"] = Arr(RandomAccuracy),
            ["operating_tau"] = OperatingTau,
            ["text_tokens_per_call"] = new JsonObject(Seeds[0].Texts.Select(t => KeyValuePair.Create(t.Source,
                (JsonNode?)Math.Round(Seeds.Average(s => s.Texts.First(x => x.Source == t.Source).StandardTokensPerCall), 4)))),
            ["judge_precision_recall"] = new JsonArray(Seeds[0].Quality.Select((q, i) => (JsonNode)new JsonObject
            {
                ["tau"] = q.Tau,
                ["precision"] = Math.Round(Seeds.Average(s => s.Quality[i].Precision), 4),
                ["recall"] = Math.Round(Seeds.Average(s => s.Quality[i].Recall), 4),
                ["invalid_accepted"] = Math.Round(Seeds.Average(s => s.Quality[i].InvalidAccepted), 4),
            }).ToArray()),
        };
    }
}
