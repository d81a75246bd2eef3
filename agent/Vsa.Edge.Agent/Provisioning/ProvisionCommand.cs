using System.Text.Json;
using System.Text.Json.Serialization;
using System.CommandLine;
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
    /// <summary>
    /// The <c>provision</c> command and its sub-commands <c>check</c>, <c>selftest</c> and (when <paramref name="setup"/>
    /// is given) <c>setup</c>; 0 no check failed, 1 a check failed, 2 usage error.
    /// </summary>
    internal static Command Definition(
        Func<ProvisionCheckArguments, CancellationToken, Task<int>> check,
        Func<SelfTestArguments, CancellationToken, Task<int>> selftest,
        Func<Setup.SetupArguments, CancellationToken, Task<int>>? setup = null)
    {
        var command = new Command("provision", "The installer's tools at the pole: the preflight, the self-test and the set-up page.")
        {
            ProvisionCheckArguments.Definition(check),
            SelfTestArguments.Definition(selftest),
        };
        if (setup is not null)
        {
            command.Add(Setup.SetupArguments.Definition(setup));
        }

        return command;
    }

    /// <summary>The command line of <c>provision check|selftest</c> (the arguments after <c>provision</c>), parsed by the agent's grammar.</summary>
    public static Task<int> RunAsync(IReadOnlyList<string> args, TextWriter stdout, TextWriter stderr, bool colour, TextReader stdin, IPreflightSystem? system = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        system ??= new SystemPreflight(HostFiles.Instance, TimeProvider.System);
        var command = Definition(
            (a, ct) => CheckAsync(a, stdout, colour, system, ct),
            (a, ct) => SelfTestCommand.RunAsync(a, stdout, colour, stdin, system, ct));
        return AgentCommandLine.InvokeOneAsync(command, args, stdout, stderr, cancellationToken);
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

    /// <summary>Runs <c>provision check</c>; 0 no check failed, 1 a check failed.</summary>
    public static async Task<int> CheckAsync(ProvisionCheckArguments arguments, TextWriter stdout, bool colour, IPreflightSystem system, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        ArgumentNullException.ThrowIfNull(system);
        var settings = ProvisioningSettings.Load(arguments.Config, arguments.Fleet);
        var seconds = arguments.CameraSeconds;
        var json = arguments.Json;
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
