using System.Text.Json;
using Vsa.Edge.Contracts;
using Vsa.Edge.Testing;

namespace Vsa.Edge.EndToEnd.Tests;

/// <summary>The agent against Debian's Mosquitto, with Mosquitto's own <c>mosquitto_sub</c> as the receiving peer.</summary>
public sealed class AgentToMosquittoTests(AgentToMosquittoTests.Broker fixture) : IClassFixture<AgentToMosquittoTests.Broker>
{
    private readonly MosquittoFixture broker = fixture.Mosquitto;

    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Analyze_PublishingToMosquitto_MosquittoSubReceivesEveryAlertJson()
    {
        const string deviceId = "e2e-mosquitto";
        var probeTopic = $"e2e/probe/{Guid.NewGuid():N}";
        await using var sub = ChildProcess.Start(
            "/usr/bin/mosquitto_sub",
            ["-h", broker.Host, "-p", broker.Port.ToString(), "-V", "mqttv5", "-q", "1", "-v",
             "-t", Topics.Alerts(deviceId), "-t", probeTopic]);

        // The subscription is live once mosquitto_sub prints a probe we publish: an explicit signal, no sleep.
        await WaitUntilSubscribedAsync(sub, probeTopic);

        var sent = await ReplayRun.PublishAsync($"mqtt://{broker.Host}:{broker.Port}", deviceId, ReplayRun.NewWorkDir());

        // QoS 1 is at-least-once: a message may arrive twice (same message id), which consumers deduplicate.
        var received = new Dictionary<string, AlertMessage>();
        while (received.Count < sent.Count)
        {
            var line = await sub.WaitForLineAsync(l => l.StartsWith(Topics.Alerts(deviceId) + " ", StringComparison.Ordinal), Guard);
            var alert = JsonSerializer.Deserialize(line[(Topics.Alerts(deviceId).Length + 1)..], ContractsJsonContext.Default.AlertMessage)!;
            received.TryAdd(alert.MessageId, alert);
        }

        Assert.Equal(sent.Select(a => a.MessageId).Order(), received.Keys.Order());
        Assert.All(sent, a => Assert.Equal(a, received[a.MessageId], AlertComparer.Instance));
        Assert.All(received.Values, a =>
        {
            Assert.Equal(AlertMessage.SchemaId, a.Schema);
            Assert.Equal(deviceId, a.DeviceId);
            Assert.Equal(EventType.Intrusion, a.EventType);
            Assert.NotEmpty(a.Objects);
        });
        Assert.Contains(received.Values, a => a.State == AlertState.Start);
        Assert.Contains(received.Values, a => a.State == AlertState.End);
    }

    [Fact]
    public async Task Analyze_AfterCleanStop_RetainedStatusIsOffline()
    {
        const string deviceId = "e2e-status";
        await ReplayRun.PublishAsync($"mqtt://{broker.Host}:{broker.Port}", deviceId, ReplayRun.NewWorkDir());

        await using var sub = ChildProcess.Start(
            "/usr/bin/mosquitto_sub",
            ["-h", broker.Host, "-p", broker.Port.ToString(), "-V", "mqttv5", "-t", Topics.Status(deviceId), "-C", "1", "-W", "30"]);
        var line = await sub.WaitForLineAsync(l => l.StartsWith('{'), Guard);
        var status = JsonSerializer.Deserialize(line, ContractsJsonContext.Default.StatusMessage)!;
        Assert.Equal(deviceId, status.DeviceId);
        Assert.Equal(DeviceState.Offline, status.State);
    }

    private async Task WaitUntilSubscribedAsync(ChildProcess sub, string probeTopic)
    {
        using var deadline = new CancellationTokenSource(Guard);
        while (true)
        {
            await using var pub = ChildProcess.Start(
                "/usr/bin/mosquitto_pub", ["-h", broker.Host, "-p", broker.Port.ToString(), "-t", probeTopic, "-m", "probe"]);
            await pub.WaitForExitAsync(Guard);
            try
            {
                await sub.WaitForLineAsync(l => l.StartsWith(probeTopic, StringComparison.Ordinal), TimeSpan.FromSeconds(1));
                return;
            }
            catch (TimeoutException) when (!deadline.IsCancellationRequested && !sub.HasExited)
            {
                // Not subscribed yet: publish the probe again.
            }
        }
    }

    /// <summary>One Mosquitto for the class (xunit wants a single constructor on class fixtures).</summary>
    public sealed class Broker : IDisposable
    {
        public MosquittoFixture Mosquitto { get; } = new();

        public void Dispose() => Mosquitto.Dispose();
    }
}
