using System.Text.Json;
using Vsa.Edge.Contracts;
using Vsa.Edge.Testing;

namespace Vsa.Edge.EndToEnd.Tests;

/// <summary>
/// Runs the real agent executable on the real demo clip with the sample camera (a zone people walk through), publishing
/// to a broker, and returns the alert messages it wrote to its events file: what every subscriber must then receive.
/// </summary>
internal static class ReplayRun
{
    /// <summary>Every third frame keeps the suite quick; rules run on frame timestamps, so the 2 s dwell still holds.</summary>
    public const string Every = "3";

    public static readonly TimeSpan Timeout = TimeSpan.FromMinutes(4);

    public static string SampleCamera => Path.Combine(TestAssets.RepositoryRoot, "agent", "Vsa.Edge.Agent", "samples", "vtest-camera.json");

    public static async Task<IReadOnlyList<AlertMessage>> PublishAsync(string brokerUri, string deviceId, string workDir)
    {
        var events = Path.Combine(workDir, "events.jsonl");
        await using var agent = ChildProcess.StartBuiltTool(
            "vsa-agent",
            ["analyze", "--source", TestAssets.DemoClip, "--camera", SampleCamera, "--every", Every,
             "--providers", "CPU", "--publish", brokerUri, "--device-id", deviceId, "--development", "--events-out", events,
             // Its own outbox: a run must not inherit alerts another run left undelivered.
             "--data-dir", Path.Combine(workDir, "agent")]);
        var exit = await agent.WaitForExitAsync(Timeout);
        Assert.True(exit == 0, $"vsa-agent analyze exited {exit}\n{agent.Output}");
        var alerts = File.ReadAllLines(events)
            .Where(l => l.Length > 0)
            .Select(l => JsonSerializer.Deserialize(l, ContractsJsonContext.Default.AlertMessage)!)
            .ToList();
        Assert.True(alerts.Count >= 2, $"the replay should raise alerts on the demo clip, wrote {alerts.Count}\n{agent.Output}");
        return alerts;
    }

    public static string NewWorkDir()
    {
        var dir = Path.Combine(Path.GetTempPath(), "vsa-e2e-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        return dir;
    }
}
