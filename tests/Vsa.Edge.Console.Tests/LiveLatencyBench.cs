using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Vsa.Edge.Console.Tests.Infrastructure;
using Vsa.Edge.Contracts;
using Vsa.Edge.FleetManager.Accounts;
using Vsa.Edge.FleetManager.Api;
using Vsa.Edge.FleetManager.Ingestion;
using Vsa.Edge.FleetManager.Live;
using Vsa.Edge.Testing;
using Xunit.Abstractions;

namespace Vsa.Edge.Console.Tests;

/// <summary>Runs only when VSA_BENCH_SCREEN is set (a bench, not a test).</summary>
public sealed class ScreenBenchFactAttribute : FactAttribute
{
    /// <summary>Skipped unless VSA_BENCH_SCREEN is set.</summary>
    public ScreenBenchFactAttribute()
    {
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable("VSA_BENCH_SCREEN")))
        {
            Skip = "a bench: set VSA_BENCH_SCREEN=1 to run it";
        }
    }
}

/// <summary>
/// Publish → on screen, the issue 17 item 6 goal (p95 under 100 ms): two fleet instances behind one shared subscription on
/// Debian's Mosquitto, one PostgreSQL database, one operator's console on each (Debian's chromium). Devices publish
/// <c>VSA_BENCH_SCREEN_ALERTS</c> alerts (default 200, after <c>VSA_BENCH_SCREEN_WARMUP</c> not counted, default 20) at <c>VSA_BENCH_SCREEN_RATE</c> a second (default 10), each on its own
/// camera (one queue row each). Every time is read on the machine's one wall clock: the bench's publish time, each instance's
/// live broadcast (a tap on its <see cref="LiveBroadcaster"/>), and in each page the arrival of the SSE event, the row's
/// insertion (a MutationObserver) and the next animation frame (the paint that shows it). Prints p50/p95/p99/max per screen
/// and per stage. Options: <c>VSA_BENCH_SCREEN_FANOUT=mqtt</c> measures the other fan-out (<see cref="MqttLiveFeed"/>);
/// <c>VSA_BENCH_SCREEN_WEBROOT_A</c>/<c>_B</c> serve that screen another console's files (before/after in one build);
/// <c>VSA_BENCH_SCREEN_PROFILE</c>/<c>_TRACE</c> write a CPU profile / a Chrome trace of screen B to that file. Run:
/// <code>flock /tmp/vsa-bench.lock env VSA_BENCH_SCREEN=1 dotnet test tests/Vsa.Edge.Console.Tests -c Release --no-build --filter FullyQualifiedName~LiveLatencyBench --logger 'console;verbosity=detailed'</code>
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class LiveLatencyBench(BrowserFixture browser, ITestOutputHelper output, PostgresFixture postgres) : IClassFixture<PostgresFixture>, IDisposable
{
    // Installed before the console's own script: wraps the "alert" listener of its EventSource to note when each event
    // arrives, and once signed in a MutationObserver notes when each row is inserted and the frame after (its paint).
    private const string Probe = """
        window.__bench = { sse: {}, dom: {}, frame: {} };
        const now = () => performance.timeOrigin + performance.now();
        const add = EventSource.prototype.addEventListener;
        EventSource.prototype.addEventListener = function (type, listener, options) {
          if (type !== 'alert') return add.call(this, type, listener, options);
          return add.call(this, type, (e) => {
            const id = /"alertId":"([^"]+)"/.exec(e.data)?.[1];
            if (id) window.__bench.sse[id] ??= now();
            return listener(e);
          }, options);
        };
        window.__benchObserve = () => {
          new MutationObserver((records) => {
            const at = now();
            const added = [];
            for (const r of records) for (const n of r.addedNodes) if (n.nodeName === 'TR' && n.dataset.alertId && !(n.dataset.alertId in window.__bench.dom)) { window.__bench.dom[n.dataset.alertId] = at; added.push(n.dataset.alertId); }
            if (added.length) requestAnimationFrame(() => { const f = now(); for (const id of added) window.__bench.frame[id] ??= f; });
          }).observe(document.querySelector('#queue tbody'), { childList: true });
        };
        """;

    private readonly MosquittoFixture _mosquitto = new();

    [ScreenBenchFact]
    public async Task TwoInstances_AlertsAtCityRate_PublishToScreenPercentiles()
    {
        var count = Setting("VSA_BENCH_SCREEN_ALERTS", 200);

        // The first alerts of a fresh process pay for compiling the whole path (both instances, the page's script): published
        // like the others but not in the percentiles; their worst is printed apart. VSA_BENCH_SCREEN_WARMUP=0 counts them all.
        var warmup = Environment.GetEnvironmentVariable("VSA_BENCH_SCREEN_WARMUP") is { } w && int.TryParse(w, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n >= 0 ? n : 20;
        var rate = Setting("VSA_BENCH_SCREEN_RATE", 10);
        output.WriteLine($"load average before: {File.ReadAllText("/proc/loadavg").Trim()}");
        var database = postgres.CreateSchema();
        // VSA_BENCH_SCREEN_FANOUT=mqtt: the alternative fan-out (a non-shared subscription used only for the live feed) instead
        // of PostgreSQL LISTEN/NOTIFY after commit.
        var mqttFeed = string.Equals(Environment.GetEnvironmentVariable("VSA_BENCH_SCREEN_FANOUT"), "mqtt", StringComparison.OrdinalIgnoreCase);
        var more = mqttFeed ? new Dictionary<string, string> { ["Fleet:Live:FanOut"] = nameof(LiveFanOut.None) } : null;
        output.WriteLine(mqttFeed ? "fan-out: a non-shared MQTT subscription per instance, live feed only" : "fan-out: PostgreSQL LISTEN/NOTIFY after commit");
        await using var first = await TwoInstances.StartAsync(_mosquitto, database, "bench-a", more);
        await using var second = await TwoInstances.StartAsync(_mosquitto, database, "bench-b", more);
        await TwoInstances.HeardEachOtherAsync(first, second);
        await using var feedA = mqttFeed ? await MqttLiveFeed.StartAsync(first) : null;
        await using var feedB = mqttFeed ? await MqttLiveFeed.StartAsync(second) : null;
        await first.CreateAccountAsync(Role.Operator, "alice");
        await first.CreateAccountAsync(Role.Operator, "bob");
        var pages = new[] { await browser.NewPageAsync(), await browser.NewPageAsync() };
        await pages[0].AddInitScriptAsync(Probe);

        // A/B in one run: a screen may be served another console's static files (e.g. main's wwwroot) than this tree's.
        foreach (var (page, name) in new[] { (pages[0], "A"), (pages[1], "B") })
        {
            var root = Environment.GetEnvironmentVariable($"VSA_BENCH_SCREEN_WEBROOT_{name}");
            output.WriteLine($"screen {name} console: {(string.IsNullOrEmpty(root) ? "this tree's wwwroot" : root)}");
            if (!string.IsNullOrEmpty(root))
            {
                await page.RouteAsync(url => File.Exists(BaselineFile(root, url)), route => route.FulfillAsync(new RouteFulfillOptions { Path = BaselineFile(root, route.Request.Url) }));
            }
        }

        await pages[1].AddInitScriptAsync(Probe);
        await ConsolePage.SignInAsync(pages[0], first, "alice");
        await ConsolePage.SignInAsync(pages[1], second, "bob");
        foreach (var page in pages)
        {
            var script = await page.EvaluateAsync<string>("() => fetch('js/queue.js').then((r) => r.text())");
            output.WriteLine($"served js/queue.js sha256 {Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(script)))[..12]}");
        }

        await pages[0].EvaluateAsync("() => window.__benchObserve()");
        await pages[1].EvaluateAsync("() => window.__benchObserve()");

        var profileTo = Environment.GetEnvironmentVariable("VSA_BENCH_SCREEN_PROFILE");
        var cdp = string.IsNullOrEmpty(profileTo) ? null : await pages[1].Context.NewCDPSessionAsync(pages[1]);
        var traceTo = Environment.GetEnvironmentVariable("VSA_BENCH_SCREEN_TRACE");
        var traceEvents = new List<string>();
        var traceDone = new TaskCompletionSource();
        var tracer = string.IsNullOrEmpty(traceTo) ? null : await pages[1].Context.NewCDPSessionAsync(pages[1]);
        if (tracer is not null)
        {
            tracer.Event("Tracing.dataCollected").OnEvent += (_, e) => { lock (traceEvents) { foreach (var x in e!.Value.GetProperty("value").EnumerateArray()) traceEvents.Add(x.GetRawText()); } };
            tracer.Event("Tracing.tracingComplete").OnEvent += (_, _) => traceDone.TrySetResult();
            await tracer.SendAsync("Tracing.start", new Dictionary<string, object> { ["transferMode"] = "ReportEvents", ["traceConfig"] = new Dictionary<string, object> { ["includedCategories"] = new[] { "devtools.timeline", "disabled-by-default-devtools.timeline", "blink", "cc", "v8", "toplevel" } } });
        }

        if (cdp is not null)
        {
            await cdp.SendAsync("Profiler.enable");
            await cdp.SendAsync("Profiler.setSamplingInterval", new Dictionary<string, object> { ["interval"] = 200 });
            await cdp.SendAsync("Profiler.start");
        }

        using var tapA = new BroadcastTap(first.Services.GetRequiredService<LiveBroadcaster>());
        using var tapB = new BroadcastTap(second.Services.GetRequiredService<LiveBroadcaster>());
        var agents = new List<FakeAgent>();
        for (var d = 0; d < 10; d++)
        {
            agents.Add(await FakeAgent.ConnectAsync(_mosquitto.Port, $"pole-bench-{d:D2}"));
        }

        // The two instances, the bench and Playwright's driver share this process: its collections pause them all at once.
        var pausedBefore = GC.GetTotalPauseDuration();
        var collectionsBefore = (GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2));
        var published = new Dictionary<string, double>();
        var interval = TimeSpan.FromSeconds(1.0 / rate);
        var start = DateTimeOffset.UtcNow;
        var order = new List<string>(count + warmup);
        for (var i = 0; i < count + warmup; i++)
        {
            // On schedule (start + i × interval), not interval after the previous publish: a slow publish does not slow the rate.
            var due = start + (interval * i) - DateTimeOffset.UtcNow;
            if (due > TimeSpan.Zero)
            {
                await Task.Delay(due);
            }

            var agent = agents[i % agents.Count];
            var alert = Samples.AlertStart(agent.DeviceId, (EventType)(i % 3), cameraId: $"cam-{i}");
            published[alert.AlertId] = Now();
            order.Add(alert.AlertId);
            await agent.PublishAsync(alert);
        }

        var all = order.ToArray();
        var ids = order.Skip(warmup).ToArray();
        var waitAll = $"(ids) => ids.every((id) => id in window.__bench.frame)";
        foreach (var page in pages)
        {
            await page.WaitForFunctionAsync(waitAll, all, new PageWaitForFunctionOptions { Timeout = 60_000, PollingInterval = 100 });
        }

        foreach (var agent in agents)
        {
            await agent.DisposeAsync();
        }

        if (tracer is not null)
        {
            await tracer.SendAsync("Tracing.end");
            await traceDone.Task.WaitAsync(TimeSpan.FromSeconds(60));
            await File.WriteAllTextAsync(traceTo!, "[" + string.Join(",\n", traceEvents) + "]");
        }

        if (cdp is not null)
        {
            var profile = await cdp.SendAsync("Profiler.stop");
            await File.WriteAllTextAsync(profileTo!, profile?.GetProperty("profile").GetRawText());
        }

        var marks = new[] { await Marks(pages[0]), await Marks(pages[1]) };
        var taps = new[] { tapA.Seen, tapB.Seen };
        var storedA = first.Services.GetRequiredService<IngestionStatistics>().Snapshot().Alerts;
        var storedB = second.Services.GetRequiredService<IngestionStatistics>().Snapshot().Alerts;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{count} alerts (after {warmup} of warm-up) at {rate}/s over {(DateTimeOffset.UtcNow - start).TotalSeconds:F1} s, stored {storedA} by A and {storedB} by B; every alert on both screens"));
        output.WriteLine($"load average after: {File.ReadAllText("/proc/loadavg").Trim()}");
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"this process (both instances): GC paused {(GC.GetTotalPauseDuration() - pausedBefore).TotalMilliseconds:F0} ms in {GC.CollectionCount(0) - collectionsBefore.Item1}/{GC.CollectionCount(1) - collectionsBefore.Item2}/{GC.CollectionCount(2) - collectionsBefore.Item3} gen0/1/2 collections, server GC {System.Runtime.GCSettings.IsServerGC}"));
        if (warmup > 0)
        {
            var warm = order.Take(warmup).ToArray();
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"warm-up: the first {warmup} alerts are not in the figures below; their publish -> row painted max {warm.Max(id => marks[0].Frame[id] - published[id]):F0} ms on A, {warm.Max(id => marks[1].Frame[id] - published[id]):F0} ms on B"));
        }

        for (var s = 0; s < 2; s++)
        {
            var name = s == 0 ? "A" : "B";
            output.WriteLine($"screen {name}: " + Line("publish -> row painted", ids.Select(id => marks[s].Frame[id] - published[id])));
            output.WriteLine($"screen {name}: " + Line("publish -> row in DOM", ids.Select(id => marks[s].Dom[id] - published[id])));
            output.WriteLine($"screen {name}: " + Line("  SSE -> row in DOM", ids.Select(id => marks[s].Dom[id] - marks[s].Sse[id])));
            output.WriteLine($"screen {name}: " + Line("  DOM -> next frame", ids.Select(id => marks[s].Frame[id] - marks[s].Dom[id])));
        }

        // Per alert, which instance stored it: the one whose broadcaster heard of it first.
        bool StoredByA(string id) => taps[0][id] <= taps[1][id];
        foreach (var (role, pick) in new[] { ("storing instance", (Func<string, int>)(id => StoredByA(id) ? 0 : 1)), ("other instance", id => StoredByA(id) ? 1 : 0) })
        {
            output.WriteLine($"{role}: " + Line("publish -> row painted", ids.Select(id => marks[pick(id)].Frame[id] - published[id])));
            output.WriteLine($"{role}: " + Line("  publish -> live broadcast", ids.Select(id => taps[pick(id)][id] - published[id])));
            output.WriteLine($"{role}: " + Line("  broadcast -> SSE in page", ids.Select(id => marks[pick(id)].Sse[id] - taps[pick(id)][id])));
            output.WriteLine($"{role}: " + Line("  SSE -> row in DOM", ids.Select(id => marks[pick(id)].Dom[id] - marks[pick(id)].Sse[id])));
            output.WriteLine($"{role}: " + Line("  DOM -> next frame", ids.Select(id => marks[pick(id)].Frame[id] - marks[pick(id)].Dom[id])));
        }
    }

    /// <inheritdoc />
    public void Dispose() => _mosquitto.Dispose();

    private static string BaselineFile(string root, string url)
    {
        var path = new Uri(url).AbsolutePath.TrimStart('/');
        return Path.Combine(root, path.Length == 0 ? "index.html" : path);
    }

    private static double Now() => (DateTimeOffset.UtcNow - DateTimeOffset.UnixEpoch).TotalMilliseconds;

    private static int Setting(string name, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value > 0 ? value : fallback;

    private static string Line(string what, IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        double At(double q) => sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(q * sorted.Length) - 1)];
        return string.Create(CultureInfo.InvariantCulture, $"{what,-28} p50 {At(0.5),7:F1} ms  p95 {At(0.95),7:F1} ms  p99 {At(0.99),7:F1} ms  max {sorted[^1],7:F1} ms  (n={sorted.Length})");
    }

    private static async Task<PageMarks> Marks(IPage page)
    {
        // As a string: Playwright's own conversion of a large object is slow and returns the numbers as text.
        using var json = JsonDocument.Parse(await page.EvaluateAsync<string>("() => JSON.stringify(window.__bench)"));
        Dictionary<string, double> Read(string name) => json.RootElement.GetProperty(name).EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetDouble());
        return new PageMarks(Read("sse"), Read("dom"), Read("frame"));
    }

    private sealed record PageMarks(Dictionary<string, double> Sse, Dictionary<string, double> Dom, Dictionary<string, double> Frame);

    /// <summary>One more subscriber of an instance's broadcaster: when each alert's first live event was published there.</summary>
    private sealed class BroadcastTap : IDisposable
    {
        private readonly LiveBroadcaster.Subscription _subscription;
        private readonly Task _reading;
        private readonly Dictionary<string, double> _seen = [];

        public BroadcastTap(LiveBroadcaster broadcaster)
        {
            _subscription = broadcaster.Subscribe();
            _reading = Task.Run(async () =>
            {
                await foreach (var e in _subscription.Reader.ReadAllAsync())
                {
                    var at = Now();
                    if (e.Type == LiveEventTypes.Alert && JsonSerializer.Deserialize(e.Json, FleetJsonContext.Default.AlertView) is { } view)
                    {
                        lock (_seen)
                        {
                            _seen.TryAdd(view.AlertId, at);
                        }
                    }
                }
            });
        }

        public Dictionary<string, double> Seen
        {
            get
            {
                lock (_seen)
                {
                    return new Dictionary<string, double>(_seen);
                }
            }
        }

        public void Dispose()
        {
            _subscription.Dispose();
            _reading.Wait(TimeSpan.FromSeconds(5));
        }
    }
}
