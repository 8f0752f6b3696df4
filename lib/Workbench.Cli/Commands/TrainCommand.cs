using System.CommandLine;
using Workbench.Training;

namespace Workbench.Cli.Commands;

/// <summary><c>workbench train &lt;preset&gt;</c>: (re)trains a shipped checkpoint deterministically into data/checkpoints/.</summary>
public static class TrainCommand
{
    public static Command Create()
    {
        var preset = new Argument<string?>("preset") { Description = "The preset to train (omit to list them)", Arity = ArgumentArity.ZeroOrOne };
        var command = new Command("train", "(Re)train a shipped checkpoint deterministically; writes data/checkpoints/<name>/") { preset };
        command.SetAction(parse => Run(parse.GetValue(preset)));
        return command;
    }

    static int Run(string? name)
    {
        if (name == null)
        {
            foreach (var p in TrainPresets.All) Console.WriteLine($"{p.Name,-24} {p.Description}");
            if (TrainPresets.All.Count == 0) Console.WriteLine("no presets yet");
            return 0;
        }
        var preset = TrainPresets.Find(name)
            ?? throw new UserError($"no preset named '{name}' (presets: {string.Join(", ", TrainPresets.All.Select(p => p.Name).DefaultIfEmpty("none yet"))})");
        var card = preset.Train();
        Console.WriteLine($"{card.Name}: {card.Steps} steps in {card.WallSeconds:0} s, final loss {card.FinalLoss:0.0000}, {card.Parameters:N0} parameters");
        foreach (var (k, v) in card.Metrics) Console.WriteLine($"  {k}: {v:0.####}");
        Console.WriteLine($"  written to {CheckpointStore.FolderOf(card.Name)}");
        return 0;
    }
}
