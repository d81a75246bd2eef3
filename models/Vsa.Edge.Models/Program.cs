using Vsa.Edge.Models.Cli;

using var cancellation = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancellation.Cancel();
};

return await ToolApp.RunAsync(args, new ToolConsole(Console.Out, Console.Error, TimeProvider.System), cancellation.Token);
