return await Workbench.Cli.Cli.RunAsync(args);
