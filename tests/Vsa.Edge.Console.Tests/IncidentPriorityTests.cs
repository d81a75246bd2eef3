using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Vsa.Edge.Console.Tests.Infrastructure;
using Vsa.Edge.Contracts;
using Vsa.Edge.FleetManager.Alerts;
using Vsa.Edge.Testing;
using static Microsoft.Playwright.Assertions;

namespace Vsa.Edge.Console.Tests;

/// <summary>Incidents instead of rows, decided once; priorities and escalation under a controlled clock.</summary>
[Collection(BrowserCollection.Name)]
public sealed class IncidentPriorityTests(BrowserFixture browser, IncidentFleet fleet) : IClassFixture<IncidentFleet>
{
    /// <summary>What the real agent published for the demo clip (vsa-agent analyze vtest.avi --every 3, CPU): 24 intrusions, start and end.</summary>
    private static readonly string Recording = Path.Combine(TestAssets.RepositoryRoot, "tests", "Vsa.Edge.Console.Tests", "Assets", "vtest-alerts.jsonl");

    [Fact]
    public async Task DemoClipAlerts_FormTwoIncidents_DecidingOneStoresOneAuditedDecisionPerAlert()
    {
        var page = await browser.NewPageAsync();
        await ConsolePage.SignInAsync(page, fleet.Host, fleet.Alice);
        await using var agent = await FakeAgent.ConnectAsync(fleet.Host.BrokerPort, "pole-demo");
        var messages = File.ReadAllLines(Recording).Where(l => l.Length > 0)
            .Select(l => JsonSerializer.Deserialize(l, ContractsJsonContext.Default.AlertMessage)!).ToList();
        var shift = DateTimeOffset.UtcNow.AddMinutes(-2) - messages.Min(m => m.StartedAt);
        foreach (var m in messages)
        {
            await agent.PublishAsync(m with { DeviceId = agent.DeviceId, StartedAt = m.StartedAt + shift, ObservedAt = m.ObservedAt + shift, EndedAt = m.EndedAt + shift });
        }

        var alertIds = messages.Select(m => m.AlertId).Distinct().ToList();
        await page.Locator("#filter-site").SelectOptionAsync(agent.DeviceId);
        await Expect(page.Locator($"#queue tbody tr[data-alert-id][data-device-id='{agent.DeviceId}']")).ToHaveCountAsync(alertIds.Count);

        // 24 rows become 2 incidents (intrusions on the square, a 9.6 s pause between them, the gap being 8 s here).
        var heads = page.Locator("#queue tbody tr.incident-head:not([hidden])");
        await Expect(ConsolePage.VisibleRows(page)).ToHaveCountAsync(2);
        await Expect(heads).ToHaveCountAsync(2);
        var newest = heads.First;
        await Expect(newest).ToContainTextAsync(new Regex("\\d+ × Intrusion en zone"));
        var incidentId = await newest.GetAttributeAsync("data-incident-id");
        var members = page.Locator($"#queue tbody tr[data-alert-id][data-incident-id='{incidentId}']");
        var memberIds = await members.EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.alertId)");
        Assert.InRange(memberIds.Length, 2, alertIds.Count - 2);

        // Expand it with the keyboard, collapse it, then decide the whole incident: j, c, Entrée.
        await page.Keyboard.PressAsync("j");
        await page.Keyboard.PressAsync("ArrowRight");
        await Expect(ConsolePage.VisibleRows(page)).ToHaveCountAsync(2 + memberIds.Length);
        await ConsolePage.ScreenshotAsync(page, "incident.png");
        await page.Keyboard.PressAsync("ArrowLeft");
        await Expect(page.Locator("#incident-summary")).ToContainTextAsync($"Incident : {memberIds.Length} alertes");
        await page.Keyboard.PressAsync("c");
        await Expect(page.Locator("#decision-submit")).ToContainTextAsync($"Confirmer les {memberIds.Length} alertes");
        await page.Keyboard.PressAsync("Enter");
        await ConsolePage.DecisionSentAsync(page);
        await Expect(ConsolePage.VisibleRows(page)).ToHaveCountAsync(1);

        var store = fleet.Host.Services.GetRequiredService<AlertStore>();
        foreach (var id in alertIds)
        {
            var stored = await store.FindAsync(id, CancellationToken.None);
            var audit = await fleet.AuditOfAsync(id);
            if (memberIds.Contains(id))
            {
                Assert.Equal(AlertDecisionKind.Confirmed, stored!.Decision!.Decision);
                var entry = Assert.Single(audit, e => e.Action == "alert.decision");
                Assert.Contains($"\"incident\":\"{incidentId}\"", entry.Details, StringComparison.Ordinal);
            }
            else
            {
                Assert.Null(stored!.Decision);
                Assert.Empty(audit);
            }
        }
    }

    [Fact]
    public async Task Priority_UrgentFirstThenEscalatesAfterThreshold_ControlledClock()
    {
        var page = await browser.NewPageAsync(1280, 800);
        await page.Clock.InstallAsync();
        await ConsolePage.SignInAsync(page, fleet.Host, fleet.Alice);
        await using var agent = await FakeAgent.ConnectAsync(fleet.Host.BrokerPort, "pole-prio");
        var down = Samples.AlertStart(agent.DeviceId, EventType.PersonDown, "cam-3", "hall");
        var intrusion = Samples.AlertStart(agent.DeviceId, EventType.Intrusion, "cam-2") with { StartedAt = down.StartedAt.AddSeconds(1) };
        var density = Samples.AlertStart(agent.DeviceId, EventType.CrowdDensity, "cam-1", "parvis") with { StartedAt = down.StartedAt.AddSeconds(2) };
        foreach (var a in new[] { down, intrusion, density })
        {
            await agent.PublishAsync(a);
        }

        await page.Locator("#filter-site").SelectOptionAsync(agent.DeviceId);
        var rows = ConsolePage.VisibleRows(page);
        await Expect(rows).ToHaveCountAsync(3);

        // Person down first although oldest, then intrusion, then density; colour by priority.
        await Expect(rows.Nth(0)).ToHaveAttributeAsync("data-alert-id", down.AlertId);
        await Expect(rows.Nth(1)).ToHaveAttributeAsync("data-alert-id", intrusion.AlertId);
        await Expect(rows.Nth(2)).ToHaveAttributeAsync("data-alert-id", density.AlertId);
        await Expect(rows.Nth(0)).ToHaveClassAsync(new Regex("\\bprio-1\\b"));
        await Expect(rows.Nth(2)).ToHaveClassAsync(new Regex("\\bprio-3\\b"));
        await page.Clock.PauseAtAsync(DateTime.UtcNow.AddSeconds(1));
        await Expect(page.Locator("#queue tr.escalated")).ToHaveCountAsync(0);
        await Expect(page.Locator("#banner-escalated")).ToBeHiddenAsync();

        // 61 s later all three have waited past the 60 s threshold: highlighted, banner, tone; 30 s later, the tone again.
        await page.Clock.RunForAsync(61_000);
        await Expect(page.Locator("#queue tbody tr.escalated:not([hidden])")).ToHaveCountAsync(3);
        await Expect(page.Locator("#banner-escalated")).ToContainTextAsync("3 incident(s) en attente depuis plus de 1 min");
        Assert.Equal(1, await page.EvaluateAsync<int>("() => (window.__sounds ?? []).filter(s => s.kind === 'escalation').length"));
        await page.Clock.RunForAsync(30_000);
        Assert.Equal(2, await page.EvaluateAsync<int>("() => (window.__sounds ?? []).filter(s => s.kind === 'escalation').length"));

        // At 1280 px no column of the queue is hidden behind horizontal scrolling.
        var overflow = await page.EvaluateAsync<int>("() => { const q = document.querySelector('.queue'); return q.scrollWidth - q.clientWidth; }");
        Assert.True(overflow <= 0, $"the queue scrolls horizontally by {overflow} px at 1280 px");
        await ConsolePage.ScreenshotAsync(page, "priority-1280.png");
    }
}
