using System.CommandLine;
using Workbench.Cli.Commands;
using Workbench.Torch;

namespace Workbench.Cli;

/// <summary>The <c>workbench</c> command line: verbs, one-line errors, exit codes (0 ok, 1 failed, 2 bad input,
/// 3 TorchSharp unavailable).</summary>
public static class Cli
{
    /// <summary>The root command with every verb.</summary>
    public static RootCommand Build() => new("workbench: speculative decoding, early exits and token dropping, explored on a CPU")
    {
        RunCommand.Create(),
        ReproduceCommand.Create(),
        TrainCommand.Create(),
        GenerateCommand.Create(),
        BenchCommand.Create(),
    };

    /// <summary>Parses and runs a command line; returns the exit code.</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        var parse = Build().Parse(args);
        if (parse.Errors.Count > 0)
        {
            Console.Error.WriteLine($"workbench: {parse.Errors[0].Message} (see --help)");
            return 2;
        }
        try
        {
            return await parse.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        }
        catch (UserError e)
        {
            Console.Error.WriteLine($"workbench: {e.Message}");
            return 2;
        }
        catch (Exception e) when (e is CheckpointException or DirectoryNotFoundException or FileNotFoundException)
        {
            // Missing or damaged input (a checkpoint, the data folder): the library's message names the file and the fix.
            Console.Error.WriteLine($"workbench: {e.Message}");
            return 2;
        }
        catch (TorchUnavailableException e)
        {
            Console.Error.WriteLine($"workbench: {e.Message}");
            return 3;
        }
    }
}
