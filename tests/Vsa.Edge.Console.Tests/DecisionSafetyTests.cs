using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Vsa.Edge.Console.Tests.Infrastructure;
using Vsa.Edge.Contracts;
using Vsa.Edge.FleetManager.Alerts;
using static Microsoft.Playwright.Assertions;

namespace Vsa.Edge.Console.Tests;

/// <summary>Decisions that never land on the wrong alert: next row chosen first, undo window, colleagues' decisions.</summary>
[Collection(BrowserCollection.Name)]
public sealed class DecisionSafetyTests(BrowserFixture browser, UndoFleet fleet) : IClassFixture<UndoFleet>
{
    private static readonly Regex Selected = new("\\bselected\\b");

    [Fact]
    public async Task ConfirmRow3Of5_Keyboard_SelectsOldRow4_UndoSendsNothing_AfterWindowStoredOnce()
    {
        var page = await browser.NewPageAsync();
        await page.Clock.InstallAsync();
        var posts = 0;
        page.Request += (_, r) => { if (r.Method == "POST" && r.Url.Contains("/decision", StringComparison.Ordinal)) Interlocked.Increment(ref posts); };
        await ConsolePage.SignInAsync(page, fleet.Host, fleet.Alice);
        await using var agent = await FakeAgent.ConnectAsync(fleet.Host.BrokerPort, "pole-cinq");

        // Five alerts of five cameras, newest first: rows[0] is row 1.
        var rows = Enumerable.Range(0, 5).Select(i =>
        {
            var a = Samples.AlertStart(agent.DeviceId, EventType.Intrusion, $"cam-{i + 1}");
            return a with { StartedAt = a.StartedAt.AddSeconds(-10 * i), ObservedAt = a.ObservedAt.AddSeconds(-10 * i) };
        }).ToArray();
        foreach (var a in rows.Reverse())
        {
            await agent.PublishAsync(a);
        }

        await page.Locator("#filter-site").SelectOptionAsync(agent.DeviceId);
        await Expect(ConsolePage.VisibleRows(page)).ToHaveCountAsync(5);
        await Expect(ConsolePage.VisibleRows(page).Nth(4)).ToHaveAttributeAsync("data-alert-id", rows[4].AlertId);
        await page.Clock.PauseAtAsync(DateTime.UtcNow.AddSeconds(1));

        foreach (var key in new[] { "j", "j", "j", "c", "Enter" })
        {
            await page.Keyboard.PressAsync(key);
        }

        // The selection moved to what was row 4, never to the newest; nothing has left the browser yet.
        await Expect(ConsolePage.Row(page, rows[3].AlertId)).ToHaveClassAsync(Selected);
        await Expect(ConsolePage.Row(page, rows[2].AlertId)).ToHaveCountAsync(0);
        await Expect(page.Locator("#undo-bar")).ToHaveAttributeAsync("data-state", "waiting");
        await Expect(page.Locator("#undo-text")).ToContainTextAsync("Décision enregistrée");

        await page.Keyboard.PressAsync("u");
        await Expect(page.Locator("#undo-bar")).ToHaveAttributeAsync("data-state", "undone");
        await Expect(ConsolePage.Row(page, rows[2].AlertId)).ToHaveClassAsync(Selected);
        await page.Clock.RunForAsync(10_000);
        var store = fleet.Host.Services.GetRequiredService<AlertStore>();
        Assert.Null((await store.FindAsync(rows[2].AlertId, CancellationToken.None))!.Decision);
        Assert.Equal(0, Volatile.Read(ref posts));

        // Again, and the window passes: stored once, audited once, and the echo does not move the selection.
        await page.Keyboard.PressAsync("c");
        await page.Keyboard.PressAsync("Enter");
        await Expect(ConsolePage.Row(page, rows[3].AlertId)).ToHaveClassAsync(Selected);
        await page.Clock.RunForAsync(6_000);
        await ConsolePage.DecisionSentAsync(page);
        await Expect(ConsolePage.Row(page, rows[3].AlertId)).ToHaveClassAsync(Selected);
        await Expect(ConsolePage.VisibleRows(page)).ToHaveCountAsync(4);
        var stored = await store.FindAsync(rows[2].AlertId, CancellationToken.None);
        Assert.Equal(AlertDecisionKind.Confirmed, stored!.Decision!.Decision);
        Assert.Equal("alice", stored.Decision.DecidedBy);
        Assert.Equal(1, Volatile.Read(ref posts));
        Assert.Single(await fleet.AuditOfAsync(rows[2].AlertId), e => e.Action == "alert.decision");
    }

    [Fact]
    public async Task TwoOperators_ClaimAndHandoverShownLive_ColleagueDecisionShowsNotice()
    {
        var alice = await browser.NewPageAsync();
        var bob = await browser.NewPageAsync();
        await bob.Clock.InstallAsync();
        await ConsolePage.SignInAsync(alice, fleet.Host, fleet.Alice);
        await ConsolePage.SignInAsync(bob, fleet.Host, fleet.Bob);
        await using var agent = await FakeAgent.ConnectAsync(fleet.Host.BrokerPort, "pole-duo");
        var alert = Samples.AlertStart(agent.DeviceId, EventType.AbandonedObject);
        await agent.PublishAsync(alert);
        var aliceRow = ConsolePage.Row(alice, alert.AlertId);
        var bobRow = ConsolePage.Row(bob, alert.AlertId);
        await Expect(bobRow.Locator("td.handling")).ToHaveTextAsync("Nouvelle");

        // Alice takes it: Bob sees it at once, without reload.
        await aliceRow.ClickAsync();
        await alice.Keyboard.PressAsync("p");
        await Expect(aliceRow.Locator("td.handling")).ToHaveTextAsync("En cours — moi");
        await Expect(bobRow.Locator("td.handling")).ToHaveTextAsync("En cours — alice");

        // Alice hands it to Bob with a note; Bob sees it his, with the note, and decides it.
        await alice.Locator("#handover summary").ClickAsync();
        await alice.Locator("#handover-to").FillAsync("bob");
        await alice.Locator("#handover-note").FillAsync("sac près du quai 2, à vérifier");
        await alice.Locator("#btn-handover").ClickAsync();
        await Expect(bobRow.Locator("td.handling")).ToHaveTextAsync("En cours — moi");
        await bobRow.ClickAsync();
        await Expect(bob.Locator("#handling-state")).ToContainTextAsync("confiée par alice");
        await Expect(bob.Locator("#handling-state")).ToContainTextAsync("sac près du quai 2");

        // Alice still has the alert open with her form when Bob's decision is sent: she is told, her form closes.
        await aliceRow.ClickAsync();
        await alice.Keyboard.PressAsync("c");
        await Expect(alice.Locator("#decision-form")).ToBeVisibleAsync();
        await bob.Keyboard.PressAsync("c");
        await bob.Keyboard.PressAsync("Enter");
        await bob.Clock.RunForAsync(6_000);
        await ConsolePage.DecisionSentAsync(bob);

        await Expect(alice.Locator("#decision-notice")).ToContainTextAsync("bob a déjà décidé cette alerte");
        await Expect(alice.Locator("#decision-form")).ToBeHiddenAsync();
        await Expect(alice.Locator("#detail-meta")).ToContainTextAsync(alert.AlertId);
        await Expect(aliceRow).ToHaveCountAsync(0);
        var audit = await fleet.AuditOfAsync(alert.AlertId);
        Assert.Equal(["alert.claim", "alert.handover", "alert.decision"], audit.Select(e => e.Action));
        Assert.Equal(["alice", "alice", "bob"], audit.Select(e => e.Actor));
        await ConsolePage.ScreenshotAsync(alice, "colleague-notice.png");
    }
}
