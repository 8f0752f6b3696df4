using System.Text.Json.Nodes;

namespace Workbench.Tests.Support;

/// <summary>Writes small Polyglot notebooks for runner tests.</summary>
public static class NotebookFile
{
    /// <summary>Writes a notebook whose cells are given as ("md" | "cs", source) pairs.</summary>
    public static string Write(string path, params (string Kind, string Source)[] cells)
    {
        var arr = new JsonArray();
        foreach (var (kind, source) in cells)
        {
            var cell = new JsonObject
            {
                ["cell_type"] = kind == "md" ? "markdown" : "code",
                ["metadata"] = kind == "md" ? new JsonObject() : new JsonObject
                {
                    ["dotnet_interactive"] = new JsonObject { ["language"] = "csharp" },
                    ["polyglot_notebook"] = new JsonObject { ["kernelName"] = "csharp" },
                },
                ["source"] = source,
            };
            if (kind != "md") { cell["outputs"] = new JsonArray(); cell["execution_count"] = null; }
            arr.Add(cell);
        }
        var nb = new JsonObject
        {
            ["cells"] = arr,
            ["metadata"] = new JsonObject
            {
                ["kernelspec"] = new JsonObject { ["display_name"] = ".NET (C#)", ["language"] = "C#", ["name"] = ".net-csharp" },
                ["language_info"] = new JsonObject { ["name"] = "polyglot-notebook" },
                ["polyglot_notebook"] = new JsonObject
                {
                    ["kernelInfo"] = new JsonObject
                    {
                        ["defaultKernelName"] = "csharp",
                        ["items"] = new JsonArray(new JsonObject { ["name"] = "csharp", ["aliases"] = new JsonArray() }),
                    },
                },
            },
            ["nbformat"] = 4,
            ["nbformat_minor"] = 2,
        };
        File.WriteAllText(path, nb.ToJsonString());
        return path;
    }

    /// <summary>The #r line a test notebook uses to load the library build the notebooks use.</summary>
    public static string Reference => $"#r \"{Paths.LibraryDll}\"\nWorkbench.Library.Status()";
}
