using Vsa.Edge.Models.Cli;

// Ctrl+C cancels the running command's token (System.CommandLine's termination handling, CliRunner).
return await ToolApp.RunAsync(args, new ToolConsole(Console.Out, Console.Error, TimeProvider.System), CancellationToken.None);
