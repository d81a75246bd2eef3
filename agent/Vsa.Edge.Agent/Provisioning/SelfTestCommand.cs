using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Vsa.Edge.Agent.Commands;
using Vsa.Edge.Agent.DesiredConfig;
using Vsa.Edge.CommandLine;
using Vsa.Edge.Contracts;

namespace Vsa.Edge.Agent.Provisioning;

/// <summary>
/// <c>vsa-agent provision selftest</c>: the preflight (each camera read for the test's duration), the model on the provider the
/// agent would choose with its p95 latency, the outbox opened, the switches and the LED with the installer, a round trip to
/// the fleet (a probe shown on the device board, never an alert), then the installation report sent to the fleet — or, when
/// the uplink is down, kept on the pole for the running agent to send. Rerunnable: each run is a new report; the board shows
/// the newest.
/// </summary>
public static class SelfTestCommand
{
    /// <summary>Timed model runs.</summary>
    public const int ModelRuns = 50;

    /// <summary>How long the fleet has to acknowledge.</summary>
    public static readonly TimeSpan AcknowledgementTimeout = TimeSpan.FromSeconds(15);

    /// <summary>Runs it; 0 passed, 1 a check failed; a configuration that cannot be used throws <see cref="CliUsageException"/>.</summary>
    public static async Task<int> RunAsync(SelfTestArguments arguments, TextWriter stdout, bool colour, TextReader stdin, IPreflightSystem system, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        ArgumentNullException.ThrowIfNull(system);
        var settings = ProvisioningSettings.Load(arguments.Config, arguments.Fleet);
        var installer = arguments.Installer;
        var deviceId = settings.DeviceId ?? throw new CliUsageException("the configuration names no Agent:DeviceId");
        var seconds = arguments.Seconds;
        var prompt = arguments.Prompt;
        var json = arguments.Json;

        var terminal = new TerminalOutput(stdout, colour);
        var started = system.Time.GetTimestamp();
        var at = system.Time.GetUtcNow();
        var checks = new List<InstallationCheck>(await new PreflightRunner(system, terminal).RunAsync(settings, TimeSpan.FromSeconds(seconds), cancellationToken).ConfigureAwait(false));
        var figures = new Dictionary<string, double>(StringComparer.Ordinal);
        void Add(InstallationCheck check)
        {
            checks.Add(check);
            terminal.Done(check);
        }

        terminal.Begin($"model on the chosen provider ({ModelRuns} runs)");
        var model = system.RunModel(settings.ModelDirectory, settings.ExecutionProviders, ModelRuns);
        if (model.Error is null)
        {
            figures["model.p95Ms"] = Math.Round(model.P95Milliseconds, 2);
            figures["model.p50Ms"] = Math.Round(model.P50Milliseconds, 2);
            Add(PreflightChecks.Pass("model", string.Create(CultureInfo.InvariantCulture, $"{model.Provider}: p50 {model.P50Milliseconds:F1} ms, p95 {model.P95Milliseconds:F1} ms over {model.Runs} runs")));
        }
        else
        {
            Add(PreflightChecks.Fail("model", PreflightChecks.OneLine(model.Error), "run ./vsa provision check and fix the model and provider lines"));
        }

        terminal.Begin("outbox");
        Add(system.ProbeOutbox(settings.DataDirectory, deviceId) is { } outboxError
            ? PreflightChecks.Fail("outbox", PreflightChecks.OneLine(outboxError), "stop the running agent for the self-test (systemctl stop vsa-agent) and check the data folder's owner")
            : PreflightChecks.Pass("outbox", $"opened for writing in {settings.DataDirectory}"));

        terminal.Begin(prompt ? "tamper switch, maintenance switch and LED (with you)" : "tamper switch, maintenance switch and LED (--no-prompt: skipped)");
        foreach (var check in await new SelfTestGpio(system, terminal, stdin).RunAsync(settings.Gpio, prompt, cancellationToken).ConfigureAwait(false))
        {
            Add(check);
        }

        foreach (var camera in checks.Where(c => c.Id.StartsWith("camera.", StringComparison.Ordinal) && c.Status != InstallationCheckStatus.Fail))
        {
            if (FpsOf(camera.Detail) is { } fps)
            {
                figures[camera.Id + ".fps"] = fps;
            }
        }

        terminal.Begin("round trip to the fleet (a test message for the device board)");
        var verifier = settings.Mqtt is null ? null : TrustedSigningKeys.Load(settings.Agent, settings.Mqtt);
        if (settings.Mqtt is not { } mqtt || verifier is null)
        {
            Add(PreflightChecks.NotChecked("fleet.roundtrip", "no broker configured", "enrol the device and add its Mqtt section to agent.json"));
        }
        else
        {
            var probe = Report(deviceId, InstallationReportKind.Probe, installer, [], null, system.Time.GetUtcNow());
            var trip = await InstallationUplink.SendAsync(mqtt, verifier, probe, system.Time, AcknowledgementTimeout, cancellationToken).ConfigureAwait(false);
            if (trip.Acknowledgement is { Refusal: null })
            {
                figures["fleet.roundTripMs"] = Math.Round(trip.RoundTrip.TotalMilliseconds, 1);
                Add(PreflightChecks.Pass("fleet.roundtrip", string.Create(CultureInfo.InvariantCulture, $"test message acknowledged (signed) in {trip.RoundTrip.TotalMilliseconds:F0} ms")));
            }
            else
            {
                Add(PreflightChecks.Fail("fleet.roundtrip", trip.Error ?? $"refused: {trip.Acknowledgement?.Refusal}", "check the uplink and the broker lines above; the report is kept on the pole and sent once the agent connects"));
            }
        }

        var took = system.Time.GetElapsedTime(started);
        figures["selftest.seconds"] = Math.Round(took.TotalSeconds, 1);
        var passed = checks.All(c => c.Status != InstallationCheckStatus.Fail);
        var report = Report(deviceId, InstallationReportKind.SelfTest, installer, checks, figures, at) with { Passed = passed };

        terminal.Begin("installation report to the fleet");
        var sent = settings.Mqtt is { } link && verifier is not null
            ? await InstallationUplink.SendAsync(link, verifier, report, system.Time, AcknowledgementTimeout, cancellationToken).ConfigureAwait(false)
            : new UplinkResult(null, TimeSpan.Zero, "no broker configured");
        if (sent.Acknowledgement is { Refusal: null })
        {
            terminal.Note($"stored by the fleet: report {report.ReportId}, shown on the device board");
        }
        else
        {
            var kept = new PendingInstallationReports(settings.DataDirectory).Save(report);
            terminal.Note($"not delivered ({sent.Error ?? sent.Acknowledgement?.Refusal}): kept in {kept}; the agent sends it when it next connects");
        }

        if (json is not null)
        {
            await ProvisionCommand.WriteJsonAsync(json, JsonSerializer.Serialize(report, ProvisioningJsonContext.Default.InstallationReportMessage), cancellationToken).ConfigureAwait(false);
        }

        terminal.Summary("Self-test", checks, took, json is null ? null : Path.GetFullPath(json));
        return passed ? AnalyzeCommand.ExitOk : AnalyzeCommand.ExitFailure;
    }

    private static InstallationReportMessage Report(string deviceId, InstallationReportKind kind, string installer, IReadOnlyList<InstallationCheck> checks, IReadOnlyDictionary<string, double>? figures, DateTimeOffset at) =>
        new(InstallationReportMessage.SchemaId, InstallationReportMessage.CurrentVersion, deviceId, Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12)), kind, installer,
            checks.All(c => c.Status != InstallationCheckStatus.Fail), [.. checks.Select(Bounded)], figures, at);

    // The fleet refuses lines over 300 characters: a long native error is cut here rather than losing the whole report.
    private static InstallationCheck Bounded(InstallationCheck check) => check with
    {
        Detail = Cut(check.Detail),
        Fix = check.Fix is null ? null : Cut(check.Fix),
    };

    private static string Cut(string text)
    {
        var line = string.Concat(text.Where(c => !char.IsControl(c)));
        return line.Length <= 300 ? line : line[..299] + "…";
    }

    // "… 52.3 fps measured …" in a camera check's detail.
    private static double? FpsOf(string detail)
    {
        var words = detail.Split(' ');
        var index = Array.IndexOf(words, "fps");
        return index > 0 && double.TryParse(words[index - 1], NumberStyles.Float, CultureInfo.InvariantCulture, out var fps) ? fps : null;
    }
}
