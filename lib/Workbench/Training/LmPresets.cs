using System.Diagnostics;
using Workbench.Data.Language;
using Workbench.Models.Transformer;
using Workbench.Text;
using Workbench.Torch;
using static TorchSharp.torch;

namespace Workbench.Training;

/// <summary>How a shipped language model is trained on the synthetic language.</summary>
/// <param name="Model">The transformer's shape.</param>
/// <param name="Style">The style of the training corpus (A for the target, B for the draft).</param>
/// <param name="Seed">Seeds the weights and the corpus.</param>
/// <param name="Steps">Optimiser steps.</param>
/// <param name="Batch">Sequences per step.</param>
/// <param name="SeqLen">Tokens per sequence (whole episodes packed).</param>
/// <param name="LearningRate">Peak AdamW learning rate.</param>
/// <param name="EvalEpisodes">Held-out episodes for the card's metrics.</param>
/// <param name="AnswerWeight">Loss weight of answer tokens relative to all others (1 = plain next-token loss). Answers
/// are a few percent of the corpus and most other tokens are random facts no model can predict, so a weight above 1
/// spends more of the gradient on the tokens that need computation (lookup, sums) instead of on irreducible noise.</param>
/// <param name="AttentionInitScale">Multiplies the initial query, key and value projections (see
/// <see cref="TransformerLM(TransformerConfig, double)"/>).</param>
/// <param name="Curriculum">Stages trained first, in order, each on its own variant of the language (null: none). The
/// steps left after them train on the language itself. A short-context stage (2 people) is how a 6-block target learns
/// to read a count from its context, which it does not on 3-5 people (see <see cref="LmTargetPreset"/>).</param>
/// <param name="EpisodesPerRow">Most episodes packed in one training row; the rest of the row is padding, ignored by
/// the loss (1: no episode sees another's facts, so a looked-up name has one match in context).</param>
public sealed record LmTrainConfig(TransformerConfig Model, Style Style, long Seed, int Steps, int Batch, int SeqLen,
    double LearningRate, int EvalEpisodes = 300, double AnswerWeight = 1.0, double AttentionInitScale = 1.0,
    IReadOnlyList<LmStage>? Curriculum = null, int EpisodesPerRow = int.MaxValue)
{
    /// <summary>The card's data line: style, seed, curriculum stages and row packing.</summary>
    public string DescribeData()
    {
        var text = $"synthetic language, style {Style}, corpus seed {Seed} (held-out episodes excluded)";
        foreach (var s in Curriculum ?? Array.Empty<LmStage>())
            text += $"; first {s.Steps} steps: {s.Language.MinPeople}-{s.Language.MaxPeople} people" +
                (s.Language.QuestionWeights is { } w ? $", question weights {string.Join("/", w)} (lookup/sum/difference/compare/list)" : "");
        return EpisodesPerRow == int.MaxValue ? text : text + $"; at most {EpisodesPerRow} episode(s) per row, padding ignored";
    }

    /// <summary>The corpus a step trains on: the curriculum stage it falls in, else the language itself.</summary>
    public Func<int, CorpusSampler> Corpora()
    {
        var stages = Curriculum ?? Array.Empty<LmStage>();
        if (stages.Sum(s => s.Steps) > Steps)
            throw new ArgumentException($"the curriculum's stages take {stages.Sum(s => s.Steps)} steps, more than the {Steps} of the run");
        var samplers = stages.Select(s => new CorpusSampler(Style, Seed, s.Language)).ToArray();
        var language = new CorpusSampler(Style, Seed);
        return step =>
        {
            for (int i = 0, end = 0; i < stages.Count; i++)
                if (step < (end += stages[i].Steps)) return samplers[i];
            return language;
        };
    }
}

/// <summary>One curriculum stage: <paramref name="Steps"/> optimiser steps on episodes drawn with <paramref name="Language"/>.</summary>
public sealed record LmStage(int Steps, LanguageOptions Language);

/// <summary>Trains a transformer on one style of the synthetic language and writes a shipped checkpoint (HF Llama
/// layout, weights stored as float16, the word tokenizer beside them, a card with held-out metrics).</summary>
public abstract class LmPreset : ITrainPreset
{
    /// <inheritdoc/>
    public abstract string Name { get; }

    /// <inheritdoc/>
    public abstract string Description { get; }

    /// <summary>The recipe.</summary>
    public abstract LmTrainConfig Config { get; }

    /// <summary>Held-out evaluation seed (shared by every preset so their cards compare).</summary>
    public const long EvalSeed = 1234;

    /// <inheritdoc/>
    public CheckpointCard Train() => Train(Config, Name, Description, save: true).Card;

    /// <summary>Next-token cross-entropy where answer targets weigh <paramref name="answerWeight"/>, padding 0 and every
    /// other target 1 (a weighted mean, so the loss stays on the cross-entropy scale).</summary>
    public static Tensor AnswerWeightedLoss(TransformerLM model, Tensor ids, bool[] answerMask, double answerWeight)
    {
        using var scope = NewDisposeScope();
        long rows = ids.shape[0], t = ids.shape[1];
        var logits = model.Forward(ids.narrow(1, 0, t - 1));
        var targets = ids.narrow(1, 1, t - 1).reshape(-1);
        var each = nn.functional.cross_entropy(logits.reshape(-1, model.Config.VocabSize), targets, reduction: nn.Reduction.None);
        var answer = tensor(answerMask).reshape(rows, t).narrow(1, 1, t - 1).reshape(-1).to_type(ScalarType.Float32);
        var w = (1 + (answerWeight - 1) * answer) * targets.ne(Lexicon.Tokenizer.PadId).to_type(ScalarType.Float32);
        return ((each * w).sum() / w.sum()).MoveToOuterDisposeScope();
    }

    /// <summary>Trains a model by <paramref name="c"/>; with <paramref name="save"/>, writes data/checkpoints/<paramref name="name"/>.</summary>
    public static (TransformerLM Model, CheckpointCard Card) Train(LmTrainConfig c, string name, string description, bool save)
    {
        TorchRuntime.Seed(c.Seed);
        var model = new TransformerLM(c.Model, c.AttentionInitScale);
        model.train();
        var corpusAt = c.Corpora();
        var clock = Stopwatch.StartNew();
        long tokens = 0;
        var result = TrainLoop.Run(model.parameters(), step =>
        {
            var batch = corpusAt(step).NextBatch(c.Batch, c.SeqLen, maxEpisodes: c.EpisodesPerRow);
            tokens += batch.Ids.Count(id => id != Lexicon.Tokenizer.PadId);
            var ids = tensor(batch.Ids).reshape(c.Batch, c.SeqLen);
            // Rows of whole packed episodes hold no padding, so ignoring it changes nothing for the packed recipes.
            return c.AnswerWeight == 1.0 ? model.NextTokenLoss(ids, ignoreIndex: Lexicon.Tokenizer.PadId)
                : AnswerWeightedLoss(model, ids, batch.AnswerMask, c.AnswerWeight);
        }, new TrainOptions(c.Steps, c.LearningRate, WeightDecay: 0.01, WarmupSteps: Math.Min(200, c.Steps / 10), Label: $"training {name}"));
        model.eval();

        if (save)
        {
            var dir = CheckpointStore.FolderOf(name);
            LlamaCheckpoint.Save(dir, model, ScalarType.Float16);
            Lexicon.Tokenizer.Save(Path.Combine(dir, TokenizerFiles.WordTokenizerFile));
            model = LlamaCheckpoint.Load(dir); // evaluate exactly what ships (float16 weights, computed in float32)
        }
        var eval = LanguageModelEval.Evaluate(model, CorpusSampler.HeldOutEpisodes(c.Style, EvalSeed, c.EvalEpisodes));
        var metrics = new Dictionary<string, double>
        {
            ["held_out_accuracy"] = Math.Round(eval.Accuracy, 4),
            ["held_out_answer_loss"] = Math.Round(eval.AnswerLoss, 4),
            ["tokens_trained"] = tokens, // padding excluded
        };
        foreach (var (kind, (right, total)) in eval.Score.ByKind) metrics[$"accuracy_{kind.ToString().ToLowerInvariant()}"] = Math.Round((double)right / total, 4);
        var card = new CheckpointCard(name, description, c.DescribeData(),
            c.Seed, c.Steps, Math.Round(clock.Elapsed.TotalSeconds, 1), Math.Round(result.FinalLoss, 4), metrics, $"workbench train {name}",
            c.Model.ParameterCount) { Recipe = System.Text.Json.JsonSerializer.SerializeToNode(c, CheckpointStore.Json) };
        if (save) CheckpointStore.WriteCard(card);
        return (model, card);
    }
}

/// <summary>The target: 6 blocks, d = 256, grouped-query attention, trained on style A. Its first 1,200 steps are
/// lookup questions on 2-people contexts, one episode per row: on 3-5 people this shape never learned to read a count
/// from its context (the previous 8,000-step packed recipe answered every lookup with 7: 3.3% lookup, 20.3% held-out;
/// this one: 39.3% lookup, 30.7% held-out). Judge Decoding needs a target ahead of its draft: it now is, a little.</summary>
public sealed class LmTargetPreset : LmPreset
{
    /// <inheritdoc/>
    public override string Name => LmPresetNames.Target;

    /// <inheritdoc/>
    public override string Description => "target LM: 6 blocks, d=256, 8 heads (4 key/value), trained on style A of the synthetic language, lookups on 2-people contexts first";

    /// <inheritdoc/>
    public override LmTrainConfig Config => new(
        new TransformerConfig(VocabSize: 128, Dim: 256, Layers: 6, Heads: 8, KvHeads: 4, HiddenDim: TransformerConfig.LlamaHiddenDim(256), MaxSeqLen: 256),
        Style.A, Seed: 1, Steps: 5000, Batch: 24, SeqLen: 64, LearningRate: 5e-4,
        Curriculum: [new LmStage(1200, new LanguageOptions(MinPeople: 2, MaxPeople: 2, QuestionWeights: [1, 0, 0, 0, 0]))],
        EpisodesPerRow: 1);
}

/// <summary>The draft: 1 block, d = 128, trained on style B (another surface style, weaker on meaning slots).</summary>
public sealed class LmDraftPreset : LmPreset
{
    /// <inheritdoc/>
    public override string Name => LmPresetNames.Draft;

    /// <inheritdoc/>
    public override string Description => "draft LM: 1 block, d=128, 4 heads (2 key/value), trained on style B of the synthetic language";

    /// <inheritdoc/>
    public override LmTrainConfig Config => new(
        new TransformerConfig(VocabSize: 128, Dim: 128, Layers: 1, Heads: 4, KvHeads: 2, HiddenDim: TransformerConfig.LlamaHiddenDim(128), MaxSeqLen: 256),
        Style.B, Seed: 2, Steps: 3000, Batch: 16, SeqLen: 128, LearningRate: 3e-3);
}

/// <summary>The aligned draft: the draft's shape and recipe, trained on the target's style A. Speculative decoding is
/// fast only when the draft says what the target would say; this is the pair the speed benchmark measures, while the
/// style-B draft shows what misalignment costs (and what Judge Decoding recovers).</summary>
public sealed class LmAlignedDraftPreset : LmPreset
{
    /// <inheritdoc/>
    public override string Name => LmPresetNames.AlignedDraft;

    /// <inheritdoc/>
    public override string Description => "aligned draft LM: 1 block, d=128, 4 heads (2 key/value), trained on style A like the target";

    /// <inheritdoc/>
    public override LmTrainConfig Config => new LmDraftPreset().Config with { Style = Style.A, Seed = 3 };
}
