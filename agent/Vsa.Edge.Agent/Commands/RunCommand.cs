using System.CommandLine;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Vsa.Edge.Agent.Hosting;
using Vsa.Edge.Agent.Inference;
using Vsa.Edge.Agent.Outbox;
using Vsa.Edge.CommandLine;

namespace Vsa.Edge.Agent.Commands;

/// <summary><c>vsa-agent run --config agent.json</c>: the long-running agent, as a Generic Host.</summary>
public static class RunCommand
{
    /// <summary>The <c>run</c> command: its one option, and <paramref name="run"/> with the configuration file's path.</summary>
    public static Command Definition(Func<string, CancellationToken, Task<int>> run)
    {
        var config = CliOptions.Required("--config", "the agent's configuration file (agent.json; systemd: /etc/vsa-edge/agent.json)");
        config.HelpName = "agent.json";
        return AgentCommandLine.Define("run", "Run the agent until Ctrl+C or SIGTERM (the service).", [config], r => r.GetValue(config)!, run);
    }

    /// <summary>Runs until Ctrl+C / SIGTERM (or <paramref name="cancellationToken"/>); returns the exit code.</summary>
    /// <param name="config">The configuration file (<c>--config</c>).</param>
    /// <param name="stderr">Where errors go.</param>
    /// <param name="cancellationToken">Stops the agent.</param>
    public static Task<int> RunAsync(string config, TextWriter stderr, CancellationToken cancellationToken = default) =>
        RunAsync(config, stderr, configure: null, started: null, cancellationToken);

    /// <summary>
    /// <see cref="RunAsync(string, TextWriter, CancellationToken)"/> with hooks for tests: extra registrations
    /// before the host is built, and the built host's services before it starts.
    /// </summary>
    internal static async Task<int> RunAsync(
        string config,
        TextWriter stderr,
        Action<IHostApplicationBuilder>? configure,
        Action<IServiceProvider>? started,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(stderr);
        var configPath = Path.GetFullPath(config);
        if (!File.Exists(configPath))
        {
            await stderr.WriteLineAsync($"error: configuration file '{configPath}' not found").ConfigureAwait(false);
            return AnalyzeCommand.ExitUsage;
        }

        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [], ContentRootPath = Path.GetDirectoryName(configPath) });
        builder.Configuration.AddJsonFile(configPath, optional: false, reloadOnChange: false);
        builder.AddAgent(Path.GetDirectoryName(configPath)!);
        configure?.Invoke(builder);
        try
        {
            using var host = builder.Build();
            started?.Invoke(host.Services);
            await host.RunAsync(cancellationToken).ConfigureAwait(false);
            return AnalyzeCommand.ExitOk;
        }
        catch (OptionsValidationException ex)
        {
            foreach (var failure in ex.Failures)
            {
                await stderr.WriteLineAsync($"error: {failure}").ConfigureAwait(false);
            }

            return AnalyzeCommand.ExitUsage;
        }
        catch (ModelException ex)
        {
            await stderr.WriteLineAsync($"error: {ex.Message}").ConfigureAwait(false);
            return AnalyzeCommand.ExitModel;
        }
        catch (OutboxException ex)
        {
            await stderr.WriteLineAsync($"error: {ex.Message}").ConfigureAwait(false);
            return AnalyzeCommand.ExitFailure;
        }
    }
}
