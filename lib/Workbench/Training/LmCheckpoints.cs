using Workbench.Models.Transformer;

namespace Workbench.Training;

/// <summary>The shipped language models, loaded by role.</summary>
public static class LmCheckpoints
{
    /// <summary>The target (style A).</summary>
    public static TransformerLM Target() => LlamaCheckpoint.Load(CheckpointStore.FolderOf(LmPresetNames.Target));

    /// <summary>The draft (style B).</summary>
    public static TransformerLM Draft() => LlamaCheckpoint.Load(CheckpointStore.FolderOf(LmPresetNames.Draft));

    /// <summary>The aligned draft (the draft's shape, trained on style A like the target).</summary>
    public static TransformerLM AlignedDraft() => LlamaCheckpoint.Load(CheckpointStore.FolderOf(LmPresetNames.AlignedDraft));
}
