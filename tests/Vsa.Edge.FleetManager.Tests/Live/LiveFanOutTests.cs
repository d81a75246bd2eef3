using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Vsa.Edge.FleetManager.Accounts;
using Vsa.Edge.FleetManager.Alerts;
using Vsa.Edge.FleetManager.Api;
using Vsa.Edge.FleetManager.Live;
using Vsa.Edge.FleetManager.Tests.Infrastructure;
using Vsa.Edge.Testing;
using Xunit.Abstractions;

namespace Vsa.Edge.FleetManager.Tests.Live;

/// <summary>
/// Two fleet-manager instances behind one shared subscription on Debian's Mosquitto, one PostgreSQL database: each alert is
/// stored by one instance, yet the live stream of both carries every alert and every decision (PostgreSQL LISTEN/NOTIFY
/// after commit). Also prints publish → live p50/p95 on the instance that did not store the alert.
/// </summary>
public sealed class LiveFanOutTests(PostgresFixture postgres, ITestOutputHelper output) : IClassFixture<PostgresFixture>, IDisposable
{
    private const int Alerts = 60;
    private readonly MosquittoFixture _mosquitto = new();

    [Fact]
    public async Task TwoInstances_SharedSubscription_BothStreamsCarryEveryAlertAndDecision()
    {
        var database = postgres.CreateSchema();
        await using var first = await FleetApp.StartAsync(Settings("fleet-a"), postgres: database);
        await using var second = await FleetApp.StartAsync(Settings("fleet-b"), postgres: database);
        await first.Services.GetRequiredService<PostgresLiveFanOut>().Listening.WaitAsync(FleetApp.Timeout);
        await second.Services.GetRequiredService<PostgresLiveFanOut>().Listening.WaitAsync(FleetApp.Timeout);
        using var firstTap = first.Tap();
        using var secondTap = second.Tap();
        var seenFirst = new HashSet<string>();
        var seenSecond = new HashSet<string>();
        var publishedAt = new Dictionary<string, long>();
        var latencies = new List<double>();
        Func<AlertView, bool> Collect(HashSet<string> seen) => alert =>
        {
            lock (publishedAt)
            {
                if (seen.Add(alert.AlertId) && publishedAt.TryGetValue(alert.AlertId, out var at))
                {
                    latencies.Add(Stopwatch.GetElapsedTime(at).TotalMilliseconds);
                }

                return seen.Count == Alerts;
            }
        };

        var firstDone = firstTap.WaitForAsync(LiveEventTypes.Alert, FleetJsonContext.Default.AlertView, Collect(seenFirst));
        var secondDone = secondTap.WaitForAsync(LiveEventTypes.Alert, FleetJsonContext.Default.AlertView, Collect(seenSecond));

        await using var device = await TestDevice.ConnectAsync(_mosquitto.Port, "pole-9");
        var sent = new List<string>();
        for (var i = 0; i < Alerts; i++)
        {
            var alert = Samples.AlertStart(device.DeviceId, startedAt: Samples.T0.AddSeconds(i));
            lock (publishedAt)
            {
                publishedAt[alert.AlertId] = Stopwatch.GetTimestamp();
            }

            await device.PublishAsync(alert);
            sent.Add(alert.AlertId);
        }

        await Task.WhenAll(firstDone, secondDone);
        Assert.Equal(sent.ToHashSet(), seenFirst);
        Assert.Equal(sent.ToHashSet(), seenSecond);
        var a = first.Statistics.Snapshot();
        var b = second.Statistics.Snapshot();
        Assert.Equal(Alerts, a.Alerts + b.Alerts);
        Assert.True(a.Alerts > 0 && b.Alerts > 0, $"one instance took everything: {a.Alerts} / {b.Alerts}");
        latencies.Sort();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"publish -> live stream, both instances ({latencies.Count} samples): p50 {latencies[latencies.Count / 2]:F1} ms, p95 {latencies[(int)(latencies.Count * 0.95)]:F1} ms"));

        // A decision made on the first instance reaches the second's stream, whichever instance stored the alert.
        using var op = await first.SignInAsync(Role.Operator, "dora");
        var decided = second.Tap();
        var decisionSeen = decided.WaitForAsync(LiveEventTypes.Alert, FleetJsonContext.Default.AlertView, v => v.AlertId == sent[0] && v.Decision is not null);
        var response = await op.PostAsJsonAsync($"/api/alerts/{sent[0]}/decision", new AlertDecisionRequest(AlertDecisionKind.Confirmed, null, null), FleetJsonContext.Default.AlertDecisionRequest);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("dora", (await decisionSeen).Decision!.DecidedBy);
        decided.Dispose();
    }

    [Fact]
    public async Task FanOut_Sqlite_Disabled()
    {
        await using var fleet = await FleetApp.StartAsync();
        Assert.False(fleet.Services.GetRequiredService<PostgresLiveFanOut>().Enabled);
    }

    /// <inheritdoc />
    public void Dispose() => _mosquitto.Dispose();

    private Dictionary<string, string?> Settings(string clientId) => new()
    {
        ["Fleet:Broker:Mode"] = "External",
        ["Fleet:Broker:Host"] = _mosquitto.Host,
        ["Fleet:Broker:Port"] = _mosquitto.Port.ToString(CultureInfo.InvariantCulture),
        ["Fleet:Broker:ClientId"] = $"{clientId}-{Guid.NewGuid():N}",
        ["Fleet:Broker:SharedSubscriptionGroup"] = "vsa-fleet",
        ["Fleet:Live:SubscriberQueueCapacity"] = "10000",
    };
}
