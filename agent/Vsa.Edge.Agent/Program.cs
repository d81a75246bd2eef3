using Microsoft.Extensions.Logging;
using Vsa.Edge.Agent.Commands;
using Vsa.Edge.Agent.Outbox;

// vsa-agent run --config agent.json | vsa-agent analyze --source <video> … | vsa-agent enrol --fleet <url> …
switch (args.FirstOrDefault())
{
    case "enrol":
        return await EnrolCommand.RunAsync(args[1..], Console.Out, Console.Error);
    case "provision" when args.Length > 1 && args[1] == "setup":
        return await Vsa.Edge.Agent.Setup.SetupCommand.RunFromConsoleAsync(args[2..]);
    case "provision":
        return await Vsa.Edge.Agent.Provisioning.ProvisionCommand.RunAsync(
            args[1..], Console.Out, Console.Error, Vsa.Edge.Agent.Provisioning.TerminalOutput.UseColour(Console.IsOutputRedirected), Console.In);
    case "model":
        return await Vsa.Edge.Agent.Models.ModelCommand.RunAsync(args[1..], Console.Out, Console.Error);
    case "run":
        return await RunCommand.RunAsync(args[1..], Console.Error);
    case "analyze":
        using (var cancel = new CancellationTokenSource())
        using (var loggers = LoggerFactory.Create(b => b
            .SetMinimumLevel(LogLevel.Warning)
            .AddSimpleConsole(o => o.SingleLine = true)
            .AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace)))
        {
            Console.CancelKeyPress += (_, e) =>
            {
                e.Cancel = true;
                cancel.Cancel();
            };
            var command = new AnalyzeCommand(Console.Out, Console.Error, !Console.IsErrorRedirected, TimeProvider.System, loggers);
            try
            {
                return await command.RunAsync(args[1..], cancel.Token);
            }
            catch (OutboxException ex)
            {
                // --publish with an outbox another agent holds (same device id and data directory).
                await Console.Error.WriteLineAsync($"error: {ex.Message}");
                return AnalyzeCommand.ExitFailure;
            }
        }

    default:
        await Console.Error.WriteLineAsync($"{RunCommand.Usage}\n{AnalyzeArguments.Usage}\n{EnrolCommand.Usage}\n{Vsa.Edge.Agent.Setup.SetupArguments.Usage}\n{Vsa.Edge.Agent.Provisioning.ProvisionCommand.Usage}");
        return 2;
}
