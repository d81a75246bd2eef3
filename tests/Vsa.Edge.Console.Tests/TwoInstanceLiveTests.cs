using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Vsa.Edge.Console.Tests.Infrastructure;
using Vsa.Edge.Contracts;
using Vsa.Edge.FleetManager.Accounts;
using Vsa.Edge.Testing;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace Vsa.Edge.Console.Tests;

/// <summary>
/// Two fleet instances behind one shared subscription on Debian's Mosquitto, one PostgreSQL database, one browser on each:
/// each alert is stored by one instance only, yet both screens show every alert live, and a decision taken on one screen
/// takes the alert out of the other's queue (PostgreSQL LISTEN/NOTIFY after commit). Prints publish → on screen p50/p95 on
/// the screen that saw it last (the instance that did not store it, mostly).
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class TwoInstanceLiveTests(BrowserFixture browser, ITestOutputHelper output, PostgresFixture postgres) : IClassFixture<PostgresFixture>, IDisposable
{
    private const int Alerts = 12;

    // Each page records when a queue row first appears (the browser's clock is the test's: same machine).
    private const string Observer = """
        () => {
          window.__seen = {};
          new MutationObserver(() => {
            for (const row of document.querySelectorAll('#queue tbody tr[data-alert-id]')) window.__seen[row.dataset.alertId] ??= Date.now();
          }).observe(document.getElementById('queue'), { childList: true, subtree: true });
        }
        """;

    private readonly MosquittoFixture _mosquitto = new();

    [Fact]
    public async Task TwoInstances_OneBrowserEach_EveryAlertAndDecisionOnBothScreensLive()
    {
        var database = postgres.CreateSchema();
        await using var first = await TwoInstances.StartAsync(_mosquitto, database, "console-a");
        await using var second = await TwoInstances.StartAsync(_mosquitto, database, "console-b");
        await TwoInstances.HeardEachOtherAsync(first, second);
        await first.CreateAccountAsync(Role.Operator, "alice");
        await first.CreateAccountAsync(Role.Operator, "bob");
        var alice = await browser.NewPageAsync();
        var bob = await browser.NewPageAsync();
        await ConsolePage.SignInAsync(alice, first, "alice");
        await ConsolePage.SignInAsync(bob, second, "bob");
        await alice.EvaluateAsync(Observer);
        await bob.EvaluateAsync(Observer);

        await using var agent = await FakeAgent.ConnectAsync(_mosquitto.Port, "pole-gare-01");
        var published = new Dictionary<string, long>();
        for (var i = 0; i < Alerts; i++)
        {
            // One at a time, as alerts come in a city: each on both screens before the next.
            // Each on its own camera: alerts of one camera would be grouped into one incident row.
            var alert = Samples.AlertStart(agent.DeviceId, EventType.Intrusion, cameraId: $"cam-{i}");
            published[alert.AlertId] = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            await agent.PublishAsync(alert);
            await Expect(ConsolePage.Row(alice, alert.AlertId)).ToHaveCountAsync(1);
            await Expect(ConsolePage.Row(bob, alert.AlertId)).ToHaveCountAsync(1);
        }

        await Expect(alice.Locator("#queue tbody tr[data-alert-id]")).ToHaveCountAsync(Alerts);
        await Expect(bob.Locator("#queue tbody tr[data-alert-id]")).ToHaveCountAsync(Alerts);
        var storedByFirst = first.Services.GetRequiredService<Vsa.Edge.FleetManager.Ingestion.IngestionStatistics>().Snapshot().Alerts;
        var storedBySecond = second.Services.GetRequiredService<Vsa.Edge.FleetManager.Ingestion.IngestionStatistics>().Snapshot().Alerts;
        Assert.Equal(Alerts, storedByFirst + storedBySecond);

        var seenA = await alice.EvaluateAsync<Dictionary<string, long>>("() => window.__seen");
        var seenB = await bob.EvaluateAsync<Dictionary<string, long>>("() => window.__seen");
        var later = published.Select(p => (double)(Math.Max(seenA[p.Key], seenB[p.Key]) - p.Value)).Order().ToArray();
        var earlier = published.Select(p => (double)(Math.Min(seenA[p.Key], seenB[p.Key]) - p.Value)).Order().ToArray();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"publish -> on screen, {Alerts} alerts, {storedByFirst}/{storedBySecond} stored by each instance: first screen p50 {earlier[Alerts / 2]:F0} ms p95 {earlier[(int)(Alerts * 0.95)]:F0} ms; other screen p50 {later[Alerts / 2]:F0} ms p95 {later[(int)(Alerts * 0.95)]:F0} ms"));

        // Decisions on either screen leave the other's queue live, whichever instance stored the alert.
        var ids = published.Keys.ToArray();
        foreach (var (decider, watcher, alertId) in new[] { (alice, bob, ids[0]), (bob, alice, ids[1]), (alice, bob, ids[2]), (bob, alice, ids[3]) })
        {
            await DecideAsync(decider, alertId);
            await Expect(ConsolePage.Row(watcher, alertId)).ToHaveCountAsync(0);
            await Expect(ConsolePage.Row(decider, alertId)).ToHaveCountAsync(0);
        }

        await Expect(alice.Locator("#queue tbody tr[data-alert-id]")).ToHaveCountAsync(Alerts - 4);
        await Expect(bob.Locator("#queue tbody tr[data-alert-id]")).ToHaveCountAsync(Alerts - 4);
    }

    /// <inheritdoc />
    public void Dispose() => _mosquitto.Dispose();

    private static async Task DecideAsync(IPage page, string alertId)
    {
        await ConsolePage.Row(page, alertId).ClickAsync();
        await Expect(page.Locator("#detail-meta")).ToContainTextAsync(alertId);
        await page.Keyboard.PressAsync("c");
        await page.Keyboard.PressAsync("Enter");
        await ConsolePage.DecisionSentAsync(page);
    }
}
