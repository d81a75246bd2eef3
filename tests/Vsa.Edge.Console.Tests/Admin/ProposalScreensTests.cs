using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Vsa.Edge.Console.Tests.Infrastructure;
using Vsa.Edge.Contracts;
using Vsa.Edge.FleetManager.Accounts;
using Vsa.Edge.FleetManager.DeviceConfigs;
using Vsa.Edge.FleetManager.Proposals;
using static Microsoft.Playwright.Assertions;

namespace Vsa.Edge.Console.Tests.Admin;

/// <summary>
/// The administrator's proposals screen in the browser: a pole sends installers' camera documents (over the real broker),
/// the administrator sees each layout drawn next to the current one with the differences, applies one (the device's next
/// desired version carries it), sees the arrêté check refuse another with its reason, and rejects it; an operator sees none.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class ProposalScreensTests(BrowserFixture browser, AdminHostFixture fleet) : IClassFixture<AdminHostFixture>
{
    private const string Secret = "rtsp://viewer:s3cret@10.0.0.12/stream1";
    private const string Masked = "rtsp://viewer:***@10.0.0.12/stream1";

    [Fact]
    public async Task ProposalsScreen_ProposalArrives_DrawnAppliedRefusedWithReasonAndRejected()
    {
        const string DeviceId = "pole-parvis-07";
        var host = fleet.Host;
        using var api = await FleetAdmin.CreateAsync(host);
        await api.EnrolAsync(DeviceId, "Parvis de la gare");
        await api.AuthoriseAsync(DeviceId, "cam-1", "intrusion");
        Assert.Equal(1, await api.PutConfigAsync(DeviceId, Camera("cam-1", Secret, "[[0.1,0.1],[0.9,0.1],[0.9,0.9],[0.1,0.9]]", withLayout: false)));

        // The pole sends what the installer drew (its camera's password masked, as every proposal leaves a pole), and a
        // second camera no arrêté names.
        await using (var pole = await FakeAgent.ConnectAsync(host.BrokerPort, DeviceId))
        {
            await pole.PublishAsync(Proposal(DeviceId, Camera("cam-1", Masked, "[[0.3,0.4],[0.8,0.36],[0.98,0.58],[0.6,0.72]]", withLayout: true)));
            await pole.PublishAsync(Proposal(DeviceId, Camera("cam-2", "rtsp://10.0.0.13/stream1", "[[0.1,0.1],[0.5,0.1],[0.5,0.5]]", withLayout: false)));
        }

        var admin = await host.CreateAccountAsync(Role.Admin, "adele");
        var page = await browser.NewPageAsync();
        await ConsolePage.SignInAsync(page, host, admin);
        await AdminPage.OpenAsync(page, "#/admin/proposals");
        var row = page.Locator($"#proposal-list tr[data-device='{DeviceId}']", new() { HasText = "cam-1" });
        await Expect(row).ToContainTextAsync($"poteau {DeviceId} (page d'installation)");
        await Expect(row).ToContainTextAsync("zone 'quai' changed");
        await Expect(page.Locator($"#proposal-list tr[data-device='{DeviceId}']")).ToHaveCountAsync(2);
        await AdminPage.ScreenshotsAsync(page, "admin-proposals");

        // Drawn, no image: the proposed zones, the line with its forbidden crossing, the mask, the calibration points,
        // next to the current layout; the differences named; the camera's password never shown.
        await row.Locator("a.review").ClickAsync();
        await Expect(page.Locator("#adm-proposal-title")).ToHaveTextAsync($"Proposition pour la caméra cam-1 de {DeviceId}");
        var proposed = page.Locator("#proposal-proposed");
        await Expect(proposed.Locator("polygon.zone")).ToHaveCountAsync(1);
        await Expect(proposed.Locator("polygon.mask")).ToHaveCountAsync(1);
        await Expect(proposed.Locator("circle.calib")).ToHaveCountAsync(4);
        await Expect(proposed.Locator("line.allowed-arrow[data-zone-id='quai']")).ToHaveCountAsync(1);
        var arrow = proposed.Locator("line.forbidden-arrow[data-line-id='bord']");
        await Expect(arrow).ToHaveAttributeAsync("data-forbidden", "left_to_right");

        // A → B runs left to right along the bottom: its left is the upper side, so the forbidden crossing points down.
        Assert.True(Number(await arrow.GetAttributeAsync("y1")) < Number(await arrow.GetAttributeAsync("y2")));
        await Expect(page.Locator("#proposal-current polygon.zone")).ToHaveCountAsync(1);
        await Expect(page.Locator("#proposal-current line.forbidden-arrow")).ToHaveCountAsync(0);
        await Expect(page.Locator("#proposal-diff")).ToContainTextAsync("zone 'quai' changed");
        await Expect(page.Locator("#proposal-diff")).ToContainTextAsync("line 'bord' added");
        await Expect(page.Locator("#proposal-diff")).ToContainTextAsync("calibration added");
        await Expect(page.Locator("#view-admin img, #view-admin video, #view-admin canvas")).ToHaveCountAsync(0);
        await Expect(page.Locator("#view-admin")).Not.ToContainTextAsync("s3cret");
        await AdminPage.ScreenshotsAsync(page, "admin-proposal");

        // Applied after confirmation: the next desired version carries the drawn layout, with the fleet's own password.
        await page.Locator("#proposal-apply").ClickAsync();
        await Expect(page.Locator("dialog.confirm-dialog")).ToContainTextAsync("version 2");
        await page.Locator("dialog.confirm-dialog button[value=ok]").ClickAsync();
        await Expect(page.Locator("#proposal-status")).ToHaveTextAsync($"Appliquée : version 2 de la configuration de {DeviceId}, signée et publiée.");
        await Expect(page.Locator("#proposal-state")).ToHaveTextAsync("appliquée");
        await Expect(page.Locator("#proposal-actions")).ToHaveCountAsync(0);
        var desired = (await host.Services.GetRequiredService<ConfigStore>().FindDesiredAsync(DeviceId, CancellationToken.None))!;
        var applied = Assert.Single(desired.Message().Cameras);
        Assert.Equal(2, desired.Version);
        Assert.Equal(Secret, applied.GetProperty("source").GetString());
        Assert.Equal("bord", applied.GetProperty("lines")[0].GetProperty("id").GetString());
        Assert.Equal(4, applied.GetProperty("calibration").GetProperty("points").GetArrayLength());
        Assert.Equal(0.98, applied.GetProperty("zones")[0].GetProperty("polygon")[2][0].GetDouble());

        // The other camera: no arrêté covers its intrusion event; the refusal and its reason show in the page.
        await AdminPage.OpenAsync(page, "#/admin/proposals");
        await page.Locator($"#proposal-list tr[data-device='{DeviceId}']", new() { HasText = "cam-2" }).Locator("a.review").ClickAsync();
        await Expect(page.Locator("#proposal-current")).ToContainTextAsync("plan inconnu");
        await page.Locator("#proposal-apply").ClickAsync();
        await page.Locator("dialog.confirm-dialog button[value=ok]").ClickAsync();
        var error = page.Locator("#proposal-error");
        await Expect(error).ToContainTextAsync("Refusée par le contrôle des arrêtés");
        await Expect(error).ToContainTextAsync($"event 'intrusion' on camera 'cam-2' of device '{DeviceId}' is not authorised");
        await Expect(page.Locator("#proposal-state")).ToHaveTextAsync("en attente");
        foreach (var (width, height) in new[] { (1920, 1080), (1280, 800) })
        {
            // The refusal sits under the buttons, below the drawings: scrolled into view at each width.
            await page.SetViewportSizeAsync(width, height);
            await error.ScrollIntoViewIfNeededAsync();
            await ConsolePage.ScreenshotAsync(page, $"admin-proposal-refused-{width}.png");
        }

        await page.SetViewportSizeAsync(1920, 1080);

        // Rejecting asks for a reason, then for confirmation; the device keeps version 2.
        await page.Locator("#proposal-reject").ClickAsync();
        await Expect(error).ToHaveTextAsync("Indiquez le motif du refus.");
        await Expect(page.Locator("dialog.confirm-dialog")).ToHaveCountAsync(0);
        await page.Locator("#proposal-reason").FillAsync("caméra hors arrêté ; à reprendre avec la préfecture");
        await page.Locator("#proposal-reject").ClickAsync();
        await page.Locator("dialog.confirm-dialog button[value=ok]").ClickAsync();
        await Expect(page.Locator("#proposal-state")).ToHaveTextAsync("refusée");
        await Expect(page.Locator("#proposal-decision")).ToContainTextAsync("caméra hors arrêté ; à reprendre avec la préfecture");
        Assert.Equal(2, (await host.Services.GetRequiredService<ConfigStore>().FindDesiredAsync(DeviceId, CancellationToken.None))!.Version);

        await AdminPage.OpenAsync(page, "#/admin/proposals");
        await Expect(page.Locator("#proposal-list")).ToBeVisibleAsync();
        await Expect(page.Locator($"#proposal-list tr[data-device='{DeviceId}']")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task ProposalsScreen_Operator_NotShownAndApiRefuses403()
    {
        const string DeviceId = "pole-operator-03";
        var host = fleet.Host;
        var proposal = Proposal(DeviceId, Camera("cam-1", Masked, "[[0.1,0.1],[0.9,0.1],[0.9,0.9]]", withLayout: true));
        await using (var pole = await FakeAgent.ConnectAsync(host.BrokerPort, DeviceId))
        {
            await pole.PublishAsync(proposal);
        }

        var op = await host.CreateAccountAsync(Role.Operator, "octave");
        var page = await browser.NewPageAsync();
        await ConsolePage.SignInAsync(page, host, op);
        await Expect(page.Locator("#nav-admin")).ToBeHiddenAsync();
        await AdminPage.OpenAsync(page, $"#/admin/proposal/{DeviceId}/{proposal.ProposalId}");
        await Expect(page.Locator("#view-queue")).ToBeVisibleAsync();
        await Expect(page.Locator("#view-admin")).ToBeHiddenAsync();
        await Expect(page.Locator("#proposal-proposed")).ToHaveCountAsync(0);
        Assert.Equal(403, await AdminPage.StatusAsync(page, "GET", "api/proposals"));
        Assert.Equal(403, await AdminPage.StatusAsync(page, "GET", $"api/devices/{DeviceId}/proposals/{proposal.ProposalId}"));
        Assert.Equal(403, await AdminPage.StatusAsync(page, "POST", $"api/devices/{DeviceId}/proposals/{proposal.ProposalId}/apply", "{}"));
        Assert.Equal(403, await AdminPage.StatusAsync(page, "POST", $"api/devices/{DeviceId}/proposals/{proposal.ProposalId}/reject", "{\"reason\":\"x\"}"));
        var stored = await host.Services.GetRequiredService<ProposalStore>().FindAsync(DeviceId, proposal.ProposalId, CancellationToken.None);
        Assert.Equal(ProposalStatus.Pending, stored!.Status);
    }

    private static double Number(string? text) => double.Parse(text!, CultureInfo.InvariantCulture);

    // A camera document in the agent's format; with its layout: a line forbidden left to right along the bottom, a mask,
    // an allowed direction and a four-point ground calibration.
    private static string Camera(string cameraId, string source, string polygon, bool withLayout) => $$"""
        {
          "cameraId": "{{cameraId}}",
          "name": "Parvis",
          "source": "{{source}}",
          "zones": [ { "id": "quai", "name": "Quai", "polygon": {{polygon}}{{(withLayout ? """, "allowedDirection": { "vector": [1, 0] }""" : "")}} } ],
          {{(withLayout ? """
          "lines": [ { "id": "bord", "name": "Bord du quai", "points": [[0.2,0.8],[0.8,0.8]], "forbidden": "left_to_right" } ],
          "privacyMasks": [ { "id": "fenetres", "polygon": [[0.0,0.0],[0.25,0.0],[0.25,0.15],[0.0,0.15]] } ],
          "calibration": { "points": [ { "image": [0.1,0.95], "world": [0,0] }, { "image": [0.9,0.95], "world": [10,0] }, { "image": [0.85,0.55], "world": [10,20] }, { "image": [0.15,0.55], "world": [0,20] } ] },
          """ : "")}}
          "events": [ { "type": "intrusion", "zones": ["quai"] } ]
        }
        """;

    private static ConfigProposalMessage Proposal(string deviceId, string document)
    {
        var id = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(document)));
        return new ConfigProposalMessage(ConfigProposalMessage.SchemaId, ConfigProposalMessage.CurrentVersion, deviceId, id, DateTimeOffset.UtcNow,
            JsonDocument.Parse(document).RootElement.Clone());
    }
}
