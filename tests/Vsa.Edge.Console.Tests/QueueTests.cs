using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Vsa.Edge.Console.Tests.Infrastructure;
using Vsa.Edge.Contracts;
using Vsa.Edge.FleetManager.Accounts;
using Vsa.Edge.FleetManager.Alerts;
using static Microsoft.Playwright.Assertions;

namespace Vsa.Edge.Console.Tests;

/// <summary>The live queue and the alert detail, as an operator sees them.</summary>
[Collection(BrowserCollection.Name)]
public sealed class QueueTests(BrowserFixture browser)
{
    [Fact]
    public async Task PublishedAlert_AppearsInQueueWithoutReload()
    {
        await using var host = await ConsoleHost.StartAsync();
        var op = await host.CreateAccountAsync(Role.Operator, "alice");
        using (var admin = await FleetAdmin.CreateAsync(host))
        {
            await admin.EnrolAsync("pole-gare-01", "Gare Part-Dieu");
            await admin.AuthoriseAsync("pole-gare-01", "cam-1", "intrusion");
            await admin.PutConfigAsync("pole-gare-01", Samples.Camera("cam-1"));
        }

        var page = await browser.NewPageAsync();
        await ConsolePage.SignInAsync(page, host, op);
        var loads = 0;
        page.Load += (_, _) => loads++;
        await page.EvaluateAsync("() => { window.__sameDocument = true; }");
        await using var agent = await FakeAgent.ConnectAsync(host.BrokerPort, "pole-gare-01");
        var alert = Samples.AlertStart(agent.DeviceId, EventType.Intrusion, zoneId: "quai-nord");

        await agent.PublishAsync(alert);

        var row = ConsolePage.Row(page, alert.AlertId);
        await Expect(row).ToBeVisibleAsync();
        await Expect(row).ToContainTextAsync("Intrusion en zone");
        await Expect(row.Locator("td.site")).ToHaveTextAsync("Gare Part-Dieu (pole-gare-01)");
        await Expect(row).ToContainTextAsync("Quai nord"); // the zone's name from the camera document, not its id
        await Expect(row).ToHaveClassAsync(new Regex("\\bunseen\\b"));
        await Expect(page.Locator("#announcer")).ToContainTextAsync("Nouvelle alerte");
        await Expect(page).ToHaveTitleAsync(new Regex("^\\(1\\)"));
        Assert.Equal(0, loads);
        Assert.True(await page.EvaluateAsync<bool>("() => window.__sameDocument === true"));

        // A busier shift for the screenshot, started earlier: newest first, the unseen ones marked.
        foreach (var (type, camera, zone, minutesAgo) in new[] { (EventType.CrowdDensity, "cam-2", "parvis", 2), (EventType.WrongWay, "cam-3", "escalier-sud", 6), (EventType.AbandonedObject, "cam-1", "voies", 11) })
        {
            var earlier = Samples.AlertStart(agent.DeviceId, type, camera, zone);
            await agent.PublishAsync(earlier with { StartedAt = earlier.StartedAt.AddMinutes(-minutesAgo), ObservedAt = earlier.ObservedAt.AddMinutes(-minutesAgo) });
        }

        await Expect(page.Locator("#queue tbody tr")).ToHaveCountAsync(4);
        await page.Keyboard.PressAsync("j");
        await Expect(page.Locator("#queue tbody tr").First).ToHaveClassAsync(new Regex("\\bselected\\b"));
        await Expect(page.Locator("#layout polygon.zone.active")).ToHaveCountAsync(1);
        await ConsolePage.ScreenshotAsync(page, "queue.png");

        // The same queue on a wall screen with large type, and on a small laptop.
        await page.SetViewportSizeAsync(1920, 1080);
        await page.Locator("#large").CheckAsync();
        await Expect(page.Locator("body")).ToHaveClassAsync(new Regex("\\blarge\\b"));
        await ConsolePage.ScreenshotAsync(page, "queue-wall.png");
        await page.Locator("#large").UncheckAsync();
        await page.SetViewportSizeAsync(1280, 720);
        await ConsolePage.ScreenshotAsync(page, "queue-laptop.png");
    }

    [Fact]
    public async Task Keyboard_OpenAndConfirm_LeavesQueueAndCountsInEvaluationAndAudit()
    {
        await using var host = await ConsoleHost.StartAsync();
        var op = await host.CreateAccountAsync(Role.Operator, "alice");
        var auditor = await host.CreateAccountAsync(Role.Auditor, "victor");
        var page = await browser.NewPageAsync();
        await ConsolePage.SignInAsync(page, host, op);
        await using var agent = await FakeAgent.ConnectAsync(host.BrokerPort, "pole-gare-01");
        var older = Samples.AlertStart(agent.DeviceId, EventType.CrowdDensity, cameraId: "cam-2", zoneId: "parvis");
        var alert = Samples.AlertStart(agent.DeviceId, EventType.Intrusion) with { StartedAt = older.StartedAt.AddSeconds(1) };
        await agent.PublishAsync(older);
        await agent.PublishAsync(alert);
        await Expect(page.Locator("#queue tbody tr")).ToHaveCountAsync(2);

        // Newest first: j selects the first row, Enter opens it.
        await page.Keyboard.PressAsync("j");
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.Locator("#detail-meta")).ToContainTextAsync(alert.AlertId);
        await Expect(page.Locator("#layout-note")).ToContainTextAsync("plan inconnu");
        await Expect(page.Locator("#layout rect.object")).ToHaveCountAsync(2);
        await Expect(page.Locator("#history-empty")).ToBeVisibleAsync();
        await page.Keyboard.PressAsync("c");
        await Expect(page.Locator("#decision-form")).ToBeVisibleAsync();
        await page.Keyboard.PressAsync("Enter");

        await Expect(ConsolePage.Row(page, alert.AlertId)).ToHaveCountAsync(0);
        await Expect(ConsolePage.Row(page, older.AlertId)).ToHaveClassAsync(new Regex("\\bselected\\b"));
        await page.Keyboard.PressAsync("g");
        await page.Keyboard.PressAsync("e");
        var intrusion = page.Locator("#eval-events tr[data-key='intrusion']");
        await Expect(intrusion.Locator("td.confirmed")).ToHaveTextAsync("1");
        await Expect(intrusion.Locator("td.precision")).ToHaveTextAsync(new Regex("^100"));
        await Expect(page.Locator("#eval-events tr[data-key='crowd_density'] td.pending")).ToHaveTextAsync("1");
        // Whole days in Europe/Paris: each bound is a Paris midnight (22:00 or 23:00 UTC), not a UTC one.
        await Expect(page.Locator("#eval-csv")).ToHaveAttributeAsync("href",
            new Regex("^api/evaluation\\.csv\\?from=\\d{4}-\\d{2}-\\d{2}T2[23]%3A00%3A00\\.000Z&to=\\d{4}-\\d{2}-\\d{2}T2[23]%3A00%3A00\\.000Z$"));
        await ConsolePage.ScreenshotAsync(page, "evaluation.png");

        // The audit log, read as an auditor through the API, holds the decision with the operator's name.
        var auditorPage = await browser.NewPageAsync();
        await ConsolePage.SignInAsync(auditorPage, host, auditor);
        var audit = await auditorPage.EvaluateAsync<string>("async () => await (await fetch('api/audit')).text()");
        Assert.Contains("\"action\":\"alert.decision\"", audit, StringComparison.Ordinal);
        Assert.Contains($"\"target\":\"alert:{alert.AlertId}\"", audit, StringComparison.Ordinal);
        Assert.Contains("\"actor\":\"alice\"", audit, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Dismiss_ReasonByNumberKey_RecordedWithReason()
    {
        await using var host = await ConsoleHost.StartAsync();
        var op = await host.CreateAccountAsync(Role.Operator, "alice");
        var page = await browser.NewPageAsync();
        await ConsolePage.SignInAsync(page, host, op);
        await using var agent = await FakeAgent.ConnectAsync(host.BrokerPort, "pole-gare-01");
        var alert = Samples.AlertStart(agent.DeviceId, EventType.PersonDown);
        await agent.PublishAsync(alert);
        await Expect(ConsolePage.Row(page, alert.AlertId)).ToBeVisibleAsync();

        await page.Keyboard.PressAsync("j");
        await page.Keyboard.PressAsync("d");
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.Locator("#decision-error")).ToContainTextAsync("motif");
        await page.Keyboard.PressAsync("3");
        await page.Keyboard.PressAsync("Enter");

        await Expect(ConsolePage.Row(page, alert.AlertId)).ToHaveCountAsync(0);
        await ConsolePage.DecisionSentAsync(page);
        var stored = await page.EvaluateAsync<string>($"async () => await (await fetch('api/alerts/{alert.AlertId}')).text()");
        Assert.Contains("\"decision\":\"dismissed\",\"reason\":\"duplicate\"", stored, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Detail_LayoutKnown_DrawsZonesLinesMasksAndBoxesWithCameraHistory()
    {
        await using var host = await ConsoleHost.StartAsync();
        var op = await host.CreateAccountAsync(Role.Operator, "alice");
        var page = await browser.NewPageAsync();

        // The real path: an arrêté, then the desired configuration with its zones, lines and mask, both through the API.
        using (var admin = await FleetAdmin.CreateAsync(host))
        {
            await admin.EnrolAsync("pole-gare-01", "Gare Part-Dieu");
            await admin.AuthoriseAsync("pole-gare-01", "cam-1", "intrusion");
            await admin.PutConfigAsync("pole-gare-01", Samples.Camera("cam-1"));
        }

        await ConsolePage.SignInAsync(page, host, op);
        await using var agent = await FakeAgent.ConnectAsync(host.BrokerPort, "pole-gare-01");
        var earlier = Samples.AlertStart(agent.DeviceId, EventType.AbandonedObject, zoneId: "quai-nord");
        var alert = Samples.AlertStart(agent.DeviceId, EventType.Intrusion, zoneId: "quai-nord") with { StartedAt = earlier.StartedAt.AddSeconds(1) };
        await agent.PublishAsync(earlier);
        await agent.PublishAsync(alert);
        await Expect(page.Locator("#queue tbody tr")).ToHaveCountAsync(2);

        await page.Keyboard.PressAsync("j");
        await page.Keyboard.PressAsync("Enter");

        await Expect(page.Locator("#detail-meta")).ToContainTextAsync(alert.AlertId);
        await Expect(page.Locator("#detail-meta")).ToContainTextAsync("Gare Part-Dieu (pole-gare-01)");
        await Expect(page.Locator("#layout polygon.zone")).ToHaveCountAsync(2);
        await Expect(page.Locator("#layout polygon.zone.active")).ToHaveCountAsync(1);
        await Expect(page.Locator("#layout polyline.line")).ToHaveCountAsync(2);
        await Expect(page.Locator("#layout polyline.line.forbidden")).ToHaveCountAsync(1);
        await Expect(page.Locator("#layout text.label")).ToContainTextAsync(["Quai nord", "Voies", "Accès sud", "Bord du quai"]);
        await Expect(page.Locator("#layout polygon.mask")).ToHaveCountAsync(1);
        await Expect(page.Locator("#layout rect.object")).ToHaveCountAsync(2);
        await Expect(page.Locator("#layout-note")).ToBeEmptyAsync();
        await Expect(page.Locator("#history")).ToContainTextAsync("Objet abandonné");
        await Expect(page.Locator("#open-camera")).ToContainTextAsync("logiciel vidéo de la ville");
        await page.Keyboard.PressAsync("d");
        await page.Keyboard.PressAsync("1");
        await page.Locator("#decision-comment").FillAsync("ombre portée sur le quai");
        await ConsolePage.ScreenshotAsync(page, "detail.png");
    }

    [Fact]
    public async Task PendingQueue_520AlertsOlderThanTheNewest500_OldestPendingStillListed()
    {
        await using var host = await ConsoleHost.StartAsync();
        var op = await host.CreateAccountAsync(Role.Operator, "alice");

        // A long night: 520 alerts, one every 10 s, stored as the ingestion stores them; three of the newest are decided.
        var store = host.Services.GetRequiredService<AlertStore>();
        var first = DateTimeOffset.UtcNow.AddHours(-3);
        var alerts = Enumerable.Range(0, 520).Select(i => Samples.AlertStart("pole-gare-01", EventType.Intrusion) with { StartedAt = first.AddSeconds(10 * i), ObservedAt = first.AddSeconds(10 * i + 2) }).ToArray();
        foreach (var alert in alerts)
        {
            Assert.Equal(AlertApplyOutcome.Applied, (await store.ApplyAsync(alert, DateTimeOffset.UtcNow, CancellationToken.None)).Outcome);
        }

        foreach (var alert in alerts[^3..])
        {
            await store.DecideAsync(alert.AlertId, AlertDecisionKind.Confirmed, null, null, "bob", DateTimeOffset.UtcNow, CancellationToken.None);
        }

        var page = await browser.NewPageAsync();
        await ConsolePage.SignInAsync(page, host, op);

        // One every 10 s on one camera, zone and event: one incident of 517 alerts, each still a row (collapsed).
        await Expect(page.Locator("#queue tbody tr[data-alert-id]")).ToHaveCountAsync(517);
        await Expect(ConsolePage.Row(page, alerts[0].AlertId)).ToBeAttachedAsync();
        await Expect(page.Locator("#queue tbody tr").Last).ToHaveAttributeAsync("data-alert-id", alerts[0].AlertId);
        await Expect(ConsolePage.VisibleRows(page)).ToHaveCountAsync(1);
        await Expect(ConsolePage.VisibleRows(page).First).ToContainTextAsync("517 × Intrusion en zone");
        await Expect(ConsolePage.Row(page, alerts[^1].AlertId)).ToHaveCountAsync(0);
        await Expect(page.Locator("#queue-count")).ToContainTextAsync("517 en attente");
        await Expect(page.Locator("#queue-truncated")).ToBeHiddenAsync();
    }
}
