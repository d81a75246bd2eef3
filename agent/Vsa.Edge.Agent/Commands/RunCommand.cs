using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Vsa.Edge.Agent.Hosting;
using Vsa.Edge.Agent.Inference;
using Vsa.Edge.Agent.Outbox;

namespace Vsa.Edge.Agent.Commands;

/// <summary><c>vsa-agent run --config agent.json</c>: the long-running agent, as a Generic Host.</summary>
public static class RunCommand
{
    public const string Usage = "usage: vsa-agent run --config <agent.json>";

    /// <summary>Runs until Ctrl+C / SIGTERM (or <paramref name="cancellationToken"/>); returns the exit code.</summary>
    public static Task<int> RunAsync(IReadOnlyList<string> args, TextWriter stderr, CancellationToken cancellationToken = default) =>
        RunAsync(args, stderr, configure: null, started: null, cancellationToken);

    /// <summary>
    /// <see cref="RunAsync(IReadOnlyList{string}, TextWriter, CancellationToken)"/> with hooks for tests: extra registrations
    /// before the host is built, and the built host's services before it starts.
    /// </summary>
    internal static async Task<int> RunAsync(
        IReadOnlyList<string> args,
        TextWriter stderr,
        Action<IHostApplicationBuilder>? configure,
        Action<IServiceProvider>? started,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stderr);
        string configPath;
        try
        {
            configPath = Path.GetFullPath(new CommandLineArgs(args, ["--config"]).Require("--config"));
        }
        catch (UsageException ex)
        {
            await stderr.WriteLineAsync($"error: {ex.Message}\n{Usage}").ConfigureAwait(false);
            return AnalyzeCommand.ExitUsage;
        }

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
