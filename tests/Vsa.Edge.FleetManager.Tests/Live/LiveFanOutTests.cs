using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
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
    private const int Alerts = 40;
    private readonly MosquittoFixture _mosquitto = new();

    [Fact]
    public async Task TwoInstances_SharedSubscription_BothStreamsCarryEveryAlertAndDecision()
    {
        var database = postgres.CreateSchema();
        await using var first = await FleetApp.StartAsync(Settings("fleet-a"), postgres: database);
        await using var second = await FleetApp.StartAsync(Settings("fleet-b"), postgres: database);
        await first.Services.GetRequiredService<PostgresLiveFanOut>().PeerHeard.WaitAsync(FleetApp.Timeout);
        await second.Services.GetRequiredService<PostgresLiveFanOut>().PeerHeard.WaitAsync(FleetApp.Timeout);
        using var firstTap = first.Tap();
        using var secondTap = second.Tap();

        // Per alert, when each stream showed it: the earlier is the instance that stored it, the later the one it was fanned out to.
        var shown = new Dictionary<string, Dictionary<int, long>>();
        var bothShown = new Dictionary<string, TaskCompletionSource>();
        Func<AlertView, bool> Collect(int tap) => alert =>
        {
            lock (shown)
            {
                if (shown.TryGetValue(alert.AlertId, out var times) && times.TryAdd(tap, Stopwatch.GetTimestamp()) && times.Count == 2)
                {
                    bothShown[alert.AlertId].TrySetResult();
                }

                return false;
            }
        };

        // Never satisfied: they read until the taps are closed.
        var firstReads = firstTap.WaitForAsync(LiveEventTypes.Alert, FleetJsonContext.Default.AlertView, Collect(1));
        var secondReads = secondTap.WaitForAsync(LiveEventTypes.Alert, FleetJsonContext.Default.AlertView, Collect(2));

        await using var device = await TestDevice.ConnectAsync(_mosquitto.Port, "pole-9");
        var sent = new List<string>();
        var toStored = new List<double>();
        var toBoth = new List<double>();
        for (var i = 0; i < Alerts; i++)
        {
            // One at a time, as alerts come in a city (a burst measures the ingestion's queue, not the fan-out).
            var alert = Samples.AlertStart(device.DeviceId, startedAt: Samples.T0.AddSeconds(i));
            var signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            lock (shown)
            {
                shown[alert.AlertId] = [];
                bothShown[alert.AlertId] = signal;
            }

            var publishedAt = Stopwatch.GetTimestamp();
            await device.PublishAsync(alert);
            await signal.Task.WaitAsync(FleetApp.Timeout);
            sent.Add(alert.AlertId);
            lock (shown)
            {
                var times = shown[alert.AlertId].Values;
                toStored.Add(Stopwatch.GetElapsedTime(publishedAt, times.Min()).TotalMilliseconds);
                toBoth.Add(Stopwatch.GetElapsedTime(publishedAt, times.Max()).TotalMilliseconds);
            }
        }

        firstTap.Dispose();
        secondTap.Dispose();
        await Assert.ThrowsAnyAsync<Exception>(() => firstReads);
        await Assert.ThrowsAnyAsync<Exception>(() => secondReads);
        var a = first.Statistics.Snapshot();
        var b = second.Statistics.Snapshot();
        Assert.Equal(Alerts, a.Alerts + b.Alerts);
        Assert.True(a.Alerts > 0 && b.Alerts > 0, $"one instance took everything: {a.Alerts} / {b.Alerts}");
        Assert.Equal(Alerts, first.Services.GetRequiredService<PostgresLiveFanOut>().Received + second.Services.GetRequiredService<PostgresLiveFanOut>().Received);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"publish -> live, {Alerts} alerts one at a time: storing instance p50 {Percentile(toStored, 0.5):F1} ms p95 {Percentile(toStored, 0.95):F1} ms; other instance (LISTEN/NOTIFY) p50 {Percentile(toBoth, 0.5):F1} ms p95 {Percentile(toBoth, 0.95):F1} ms"));

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
    public async Task FanOut_Burst_EveryAlertReachesPeersInFewerStatements()
    {
        const int Burst = 100;
        const string Channel = "vsa_live_burst";
        var database = postgres.CreateSchema();
        await using var fleet = await StartFanOutAsync(database, "fleet-burst", Channel);
        var fanOut = fleet.Services.GetRequiredService<PostgresLiveFanOut>();

        // Another instance, as PostgreSQL shows it: a connection listening on the channel, which says hello.
        var all = new List<string>();
        await using var peer = await ListenAsync(database, Channel, all);
        await SayAsync(peer, Channel, "hello");
        await fanOut.PeerHeard.WaitAsync(FleetApp.Timeout);

        await using var device = await TestDevice.ConnectAsync(_mosquitto.Port, "pole-7");
        var alerts = Enumerable.Range(0, Burst).Select(i => Samples.AlertStart(device.DeviceId, startedAt: Samples.T0.AddSeconds(i))).ToList();
        await Task.WhenAll(alerts.Select(device.PublishAsync));
        var notified = all;
        using (var deadline = new CancellationTokenSource(FleetApp.Timeout))
        {
            while ((notified = OfType(all, LiveEventTypes.Alert)).Count < Burst)
            {
                await peer.WaitAsync(deadline.Token);
            }
        }

        // Each alert once (origin, type, view), and the burst in fewer statements than alerts: one per queued batch.
        var views = notified.Select(n => n.Split('\n', 3)).Select(p => (p[1], JsonSerializer.Deserialize(p[2], FleetJsonContext.Default.AlertView)!.AlertId)).ToList();
        Assert.All(views, v => Assert.Equal(LiveEventTypes.Alert, v.Item1));
        Assert.Equal(alerts.Select(a => a.AlertId).Order(), views.Select(v => v.AlertId).Order());
        // The sender counts a statement's events once the statement returned, which can be after the peer heard them.
        await WaitUntilAsync(() => fanOut.Sent == Burst);
        Assert.True(fanOut.Statements < Burst, $"{fanOut.Statements} statements for {Burst} alerts");
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{Burst} alerts fanned out in {fanOut.Statements} statements"));
    }

    [Fact]
    public async Task FanOut_IdenticalEventsQueuedTogether_PeerHearsEachOne()
    {
        // A claim released, taken, released again: the two releases are the same text. Sent in one statement (one transaction),
        // PostgreSQL would fold them into one notification without the origin's sequence number.
        const int Events = 50;
        const string Channel = "vsa_live_identical";
        var database = postgres.CreateSchema();
        await using var fleet = await StartFanOutAsync(database, "fleet-identical", Channel);
        var fanOut = fleet.Services.GetRequiredService<PostgresLiveFanOut>();

        // Another instance, as PostgreSQL shows it: a connection listening on the channel, which says hello.
        var all = new List<string>();
        await using var peer = await ListenAsync(database, Channel, all);
        await SayAsync(peer, Channel, "hello");
        await fanOut.PeerHeard.WaitAsync(FleetApp.Timeout);

        var live = fleet.Services.GetRequiredService<LiveBroadcaster>();
        for (var i = 0; i < Events; i++)
        {
            live.Publish(new LiveEvent(LiveEventTypes.Alert, "{\"same\":true}"));
        }

        var notified = all;
        using (var deadline = new CancellationTokenSource(FleetApp.Timeout))
        {
            while ((notified = OfType(all, LiveEventTypes.Alert)).Count < Events)
            {
                await peer.WaitAsync(deadline.Token);
            }
        }

        Assert.Equal(Events, notified.Count);
        Assert.Equal(Events, notified.Select(n => n.Split('\n', 2)[0]).Distinct().Count());
        Assert.All(notified, n => Assert.EndsWith("{\"same\":true}", n, StringComparison.Ordinal));
    }

    [Fact]
    public async Task FanOut_Alone_SendsNothing_UntilAnotherInstanceSaysHello_StopsWhenItFallsSilent()
    {
        const string Channel = "vsa_live_presence";
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow);
        var database = postgres.CreateSchema();
        var settings = Settings("fleet-presence");
        settings["Fleet:Live:FanOutChannel"] = Channel;
        await using var fleet = await FleetApp.StartAsync(settings, s => s.AddSingleton<TimeProvider>(clock), postgres: database);
        var fanOut = fleet.Services.GetRequiredService<PostgresLiveFanOut>();
        await fanOut.Listening.WaitAsync(FleetApp.Timeout);
        var live = fleet.Services.GetRequiredService<LiveBroadcaster>();
        var all = new List<string>();
        await using var peer = await ListenAsync(database, Channel, all);

        // Alone: its events are dropped, none reaches the channel.
        var skipped = fanOut.Skipped;
        for (var i = 0; i < 5; i++)
        {
            live.Publish(new LiveEvent(LiveEventTypes.Alert, "{\"alone\":true}"));
        }

        await WaitUntilAsync(() => fanOut.Skipped == skipped + 5);
        Assert.False(fanOut.PeersPresent);

        // Another instance says hello: it is answered at once, and the events that follow reach it.
        await SayAsync(peer, Channel, "hello");
        using (var deadline = new CancellationTokenSource(FleetApp.Timeout))
        {
            while (OfType(all, "here").Count == 0)
            {
                await peer.WaitAsync(deadline.Token);
            }

            live.Publish(new LiveEvent(LiveEventTypes.Alert, "{\"heard\":true}"));
            while (OfType(all, LiveEventTypes.Alert).Count == 0)
            {
                await peer.WaitAsync(deadline.Token);
            }
        }

        Assert.True(fanOut.PeersPresent);
        Assert.EndsWith("{\"heard\":true}", Assert.Single(OfType(all, LiveEventTypes.Alert)), StringComparison.Ordinal);
        Assert.DoesNotContain(all, n => n.Contains("alone", StringComparison.Ordinal));

        // The sender counts an event once its statement returned, which may be after the peer heard it.
        await WaitUntilAsync(() => fanOut.Sent == 1);

        // Silent for three presence intervals (10 s each by default): alone again.
        clock.Advance(TimeSpan.FromSeconds(31));
        Assert.False(fanOut.PeersPresent);
        live.Publish(new LiveEvent(LiveEventTypes.Alert, "{\"silent\":true}"));
        await WaitUntilAsync(() => fanOut.Skipped == skipped + 6);
        Assert.Equal(1, fanOut.Sent);

        // A peer whose interval is longer says so: absent only after three of its intervals, not of this instance's.
        await SayAsync(peer, Channel, "here", "300");
        await WaitUntilAsync(() => fanOut.PeersPresent);
        clock.Advance(TimeSpan.FromMinutes(14));
        Assert.True(fanOut.PeersPresent);
        clock.Advance(TimeSpan.FromMinutes(2));
        Assert.False(fanOut.PeersPresent);

        // An instance of a version before presence never says hello: one of its events keeps this one sending for an hour.
        await using (var legacy = new NpgsqlCommand($"SELECT pg_notify('{Channel}', 'legacy-origin\nalert\n{{}}');", peer))
        {
            await legacy.ExecuteNonQueryAsync();
        }

        await WaitUntilAsync(() => fanOut.PeersPresent);
        clock.Advance(TimeSpan.FromMinutes(59));
        Assert.True(fanOut.PeersPresent);
        clock.Advance(TimeSpan.FromMinutes(2));
        Assert.False(fanOut.PeersPresent);
    }

    [Fact]
    public async Task FanOut_Sqlite_Disabled()
    {
        await using var fleet = await FleetApp.StartAsync();
        Assert.False(fleet.Services.GetRequiredService<PostgresLiveFanOut>().Enabled);
    }

    /// <inheritdoc />
    public void Dispose() => _mosquitto.Dispose();

    private static double Percentile(List<double> values, double p)
    {
        var sorted = values.Order().ToArray();
        return sorted[Math.Min(sorted.Length - 1, (int)(sorted.Length * p))];
    }

    // A fleet whose live fan-out uses its own channel, once it listens.
    private async Task<FleetApp> StartFanOutAsync(string database, string clientId, string channel)
    {
        var settings = Settings(clientId);
        settings["Fleet:Live:FanOutChannel"] = channel;
        var fleet = await FleetApp.StartAsync(settings, postgres: database);
        await fleet.Services.GetRequiredService<PostgresLiveFanOut>().Listening.WaitAsync(FleetApp.Timeout);
        return fleet;
    }

    // The notifications of one type ("alert", "hello", "here"...), in order.
    private static List<string> OfType(List<string> notified, string type) =>
        notified.Where(n => n.Split('\n', 3) is [_, var t, _] && t == type).ToList();

    // A presence message of the connection's own (a peer's) origin.
    private static async Task SayAsync(NpgsqlConnection peer, string channel, string type, string body = "")
    {
        await using var say = new NpgsqlCommand("SELECT pg_notify(@c, @p);", peer);
        say.Parameters.AddWithValue("c", channel);
        say.Parameters.AddWithValue("p", $"peer-test.1\n{type}\n{body}");
        await say.ExecuteNonQueryAsync();
    }

    // The fan-out drains its queue on its own task: its counters are polled, bounded by the test timeout.
    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        using var deadline = new CancellationTokenSource(FleetApp.Timeout);
        while (!condition())
        {
            await Task.Delay(TimeSpan.FromMilliseconds(10), deadline.Token);
        }
    }

    // A connection listening on the channel; each notification's payload is added to notified (read after peer.WaitAsync).
    private static async Task<NpgsqlConnection> ListenAsync(string database, string channel, List<string> notified)
    {
        var peer = new NpgsqlConnection(database);
        await peer.OpenAsync();
        peer.Notification += (_, e) => notified.Add(e.Payload);
        await using var listen = new NpgsqlCommand($"LISTEN {channel};", peer);
        await listen.ExecuteNonQueryAsync();
        return peer;
    }

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
