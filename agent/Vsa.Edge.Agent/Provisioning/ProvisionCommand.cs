using System.Text.Json;
using System.Text.Json.Serialization;
using Vsa.Edge.Agent.Commands;
using Vsa.Edge.Agent.Platform;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.Agent.Provisioning;

/// <summary>The JSON report of <c>provision check</c>.</summary>
/// <param name="Kind">"preflight".</param>
/// <param name="DeviceId">The device, when configured.</param>
/// <param name="At">When it ran.</param>
/// <param name="Passed">No check failed.</param>
/// <param name="DurationSeconds">How long it took.</param>
/// <param name="Checks">Each check.</param>
public sealed record PreflightReport(string Kind, string? DeviceId, DateTimeOffset At, bool Passed, double DurationSeconds, IReadOnlyList<InstallationCheck> Checks);

/// <summary>Source-generated JSON of the provisioning reports (indented: a person reads them).</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(PreflightReport))]
[JsonSerializable(typeof(InstallationReportMessage))]
internal sealed partial class ProvisioningJsonContext : JsonSerializerContext;

/// <summary><c>vsa-agent provision check|selftest …</c>: the installer's checks at the pole.</summary>
public static class ProvisionCommand
{
    /// <summary>Usage of both sub-commands.</summary>
    public const string Usage = """
        usage: vsa-agent provision check [--config <agent.json>] [--fleet <https://fleet>] [--json <file>] [--camera-seconds <1-60>]
               vsa-agent provision selftest --config <agent.json> --installer <name> [--fleet <https://fleet>] [--json <file>] [--seconds <1-120>] [--no-prompt]
        """;

    /// <summary>Runs a sub-command; 0 no check failed, 1 a check failed, 2 usage error.</summary>
    public static async Task<int> RunAsync(IReadOnlyList<string> args, TextWriter stdout, TextWriter stderr, bool colour, TextReader stdin, IPreflightSystem? system = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        system ??= new SystemPreflight(HostFiles.Instance, TimeProvider.System);
        try
        {
            var command = args.Count > 0 ? args[0] : null;
            return command switch
            {
                "check" => await CheckAsync(args.Skip(1).ToList(), stdout, colour, system, cancellationToken).ConfigureAwait(false),
                "selftest" => await SelfTestCommand.RunAsync(args.Skip(1).ToList(), stdout, colour, stdin, system, cancellationToken).ConfigureAwait(false),
                _ => throw new UsageException($"unknown provision command '{command}'"),
            };
        }
        catch (UsageException ex)
        {
            await stderr.WriteLineAsync($"error: {ex.Message}\n{Usage}").ConfigureAwait(false);
            return AnalyzeCommand.ExitUsage;
        }
    }

    /// <summary>The fleet address of <c>--fleet</c>, null when not given.</summary>
    internal static Uri? FleetOf(CommandLineArgs parsed)
    {
        var text = parsed.Get("--fleet");
        if (text is null)
        {
            return null;
        }

        return Uri.TryCreate(text.EndsWith('/') ? text : text + "/", UriKind.Absolute, out var fleet) && fleet.Scheme is "http" or "https"
            ? fleet
            : throw new UsageException($"option '--fleet' must be an http:// or https:// address, not '{text}'");
    }

    /// <summary>Writes <paramref name="json"/> to <paramref name="path"/> through a temporary file, so a rerun never leaves half a report.</summary>
    internal static async Task WriteJsonAsync(string path, string json, CancellationToken cancellationToken)
    {
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var temporary = full + ".tmp";
        await File.WriteAllTextAsync(temporary, json + "\n", cancellationToken).ConfigureAwait(false);
        File.Move(temporary, full, overwrite: true);
    }

    private static async Task<int> CheckAsync(IReadOnlyList<string> args, TextWriter stdout, bool colour, IPreflightSystem system, CancellationToken cancellationToken)
    {
        var parsed = new CommandLineArgs(args, ["--config", "--fleet", "--json", "--camera-seconds"]);
        var settings = ProvisioningSettings.Load(parsed.Get("--config"), FleetOf(parsed));
        var seconds = parsed.GetInt("--camera-seconds", 1, 60) ?? 3;
        var json = parsed.Get("--json");
        var terminal = new TerminalOutput(stdout, colour);
        var started = system.Time.GetTimestamp();
        var at = system.Time.GetUtcNow();
        var checks = await new PreflightRunner(system, terminal).RunAsync(settings, TimeSpan.FromSeconds(seconds), cancellationToken).ConfigureAwait(false);
        var took = system.Time.GetElapsedTime(started);
        var passed = checks.All(c => c.Status != InstallationCheckStatus.Fail);
        if (json is not null)
        {
            var report = new PreflightReport("preflight", settings.DeviceId, at, passed, Math.Round(took.TotalSeconds, 2), checks);
            await WriteJsonAsync(json, JsonSerializer.Serialize(report, ProvisioningJsonContext.Default.PreflightReport), cancellationToken).ConfigureAwait(false);
        }

        terminal.Summary("Preflight", checks, took, json is null ? null : Path.GetFullPath(json));
        return passed ? AnalyzeCommand.ExitOk : AnalyzeCommand.ExitFailure;
    }
}
