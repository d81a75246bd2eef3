using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Vsa.Edge.Console.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Vsa.Edge.FleetManager.Accounts;
using Vsa.Edge.FleetManager.Authorisations;
using Vsa.Edge.FleetManager.Storage;
using Vsa.Edge.Testing;
using static Microsoft.Playwright.Assertions;

namespace Vsa.Edge.Console.Tests.Admin;

/// <summary>One fleet for the class: the administrator's screens driven in the browser, with a real enrolled agent.</summary>
public sealed class AdminHostFixture : IAsyncLifetime
{
    /// <summary>The fleet.</summary>
    public ConsoleHost Host { get; private set; } = null!;

    /// <inheritdoc />
    public async Task InitializeAsync() => Host = await ConsoleHost.StartAsync();

    /// <inheritdoc />
    public async Task DisposeAsync() => await Host.DisposeAsync();
}

/// <summary>The administrator's screens: token, enrolment, arrêté, configuration, revocation; and who may not see them.</summary>
[Collection(BrowserCollection.Name)]
public sealed class AdminScreensTests(BrowserFixture browser, AdminHostFixture fleet) : IClassFixture<AdminHostFixture>
{
    private const string DeviceId = "pole-admin";
    private const string CameraId = "vtest";
    private static readonly TimeSpan AgentGuard = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task AdminConsole_TokenEnrolArreteConfigRevoke_AllInTheBrowser()
    {
        var host = fleet.Host;
        var admin = await host.CreateAccountAsync(Role.Admin, "ada");
        var page = await browser.NewPageAsync();
        await ConsolePage.SignInAsync(page, host, admin);
        await Expect(page.Locator("#nav-admin")).ToBeVisibleAsync();
        await page.Locator("#nav-admin").ClickAsync();
        await page.Locator(".subnav a[href='#/admin/tokens']").ClickAsync();

        // A token: the fleet's validator speaks next to the field, then the secret is shown once.
        await page.Locator("#token-form").GetByLabel("Site", new() { Exact = true }).FillAsync("   ");
        await page.EvaluateAsync("() => document.querySelector('#token-form').requestSubmit()");
        await Expect(page.Locator("#token-form [data-error-for='site']")).ToContainTextAsync("site is required");
        await page.Locator("#token-form").GetByLabel("Site", new() { Exact = true }).FillAsync("Parvis de la gare");
        await page.Locator("#token-form button[type=submit]").ClickAsync();
        await Expect(page.Locator("#token-secret")).ToBeVisibleAsync();
        await Expect(page.Locator(".once")).ToContainTextAsync("ne sera plus jamais affiché");
        var token = await page.Locator("#token-secret").InputValueAsync();
        Assert.False(string.IsNullOrWhiteSpace(token));
        await Expect(page.Locator("tr[data-token-id] .token-state").First).ToHaveTextAsync("utilisable");
        await AdminPage.ScreenshotsAsync(page, "admin-tokens");

        var work = Directory.CreateTempSubdirectory("vsa-console-admin-").FullName;
        try
        {
            var state = Path.Combine(work, "agent");
            await using (var enrol = ChildProcess.StartBuiltTool("vsa-agent", ["enrol", "--fleet", host.BaseAddress.ToString(), "--token", token, "--device-id", DeviceId, "--data-dir", state]))
            {
                Assert.True(await enrol.WaitForExitAsync(AgentGuard) == 0, enrol.Output);
            }

            await page.Locator(".subnav a[href='#/admin/devices']").ClickAsync();
            await page.Locator(".subnav a[href='#/admin/tokens']").ClickAsync();
            await Expect(page.Locator("tr[data-token-id] .token-state").First).ToContainTextAsync($"utilisé par {DeviceId}");

            await using var agent = StartAgent(work, state, host.TlsPort);
            await AdminPage.OpenAsync(page, $"#/admin/device/{DeviceId}");
            await Expect(page.Locator("#device-config")).ToContainTextAsync("fichiers locaux", new() { Timeout = (float)AgentGuard.TotalMilliseconds });

            // Before any arrêté the authorisation gate refuses the camera's intrusion event, and says which.
            await page.Locator("#config-editor").FillAsync(new JsonArray(Camera()).ToJsonString());
            await page.Locator("#config-form button[type=submit]").ClickAsync();
            await Expect(page.Locator("#config-form .form-error")).ToContainTextAsync("Event not authorised");
            await Expect(page.Locator("#config-form")).ToContainTextAsync("intrusion");

            // A malformed document never leaves the page.
            await page.Locator("#config-editor").FillAsync("[{\"cameraId\": ");
            await Expect(page.Locator("#config-json-state")).ToContainTextAsync("JSON invalide");

            await page.Locator(".subnav a[href='#/admin/authorisations']").ClickAsync();
            var form = page.Locator("#authorisation-form");
            await form.GetByLabel("Référence de l'arrêté").FillAsync("2026-DPG-0412");
            await form.GetByLabel("Service autorisé").FillAsync("Police municipale de Lyon");
            await form.GetByLabel("Intrusion").CheckAsync();
            await form.GetByLabel("Caméras").FillAsync($"{DeviceId}/{CameraId}");
            await form.GetByLabel("Début").FillAsync(Local(DateTime.Now.AddDays(-1)));
            await form.GetByLabel("Fin", new() { Exact = true }).FillAsync(Local(DateTime.Now.AddDays(30)));
            await form.Locator("button[type=submit]").ClickAsync();
            await Expect(page.Locator("#authorisation-result")).ToContainTextAsync("Arrêté 2026-DPG-0412 enregistré");
            await Expect(page.Locator("tr[data-authorisation='2026-DPG-0412']")).ToContainTextAsync("en vigueur");

            await AdminPage.OpenAsync(page, $"#/admin/device/{DeviceId}");
            await page.Locator("#config-editor").FillAsync(new JsonArray(Camera()).ToJsonString());
            await page.Locator("#config-form button[type=submit]").ClickAsync();
            await Expect(page.Locator("#device-status")).ToContainTextAsync("Version 1 signée et publiée");
            await Expect(page.Locator("#drift-state")).ToHaveTextAsync("À jour : l'appareil applique la version 1.", new() { Timeout = (float)AgentGuard.TotalMilliseconds });
            await Expect(page.Locator("#device-status")).ToHaveTextAsync("Version 1 appliquée par l'appareil.");
            await Expect(page.Locator("#device-diff [data-camera='vtest']")).ToBeVisibleAsync();
            await AdminPage.ScreenshotsAsync(page, "admin-device");

            // Changing the arrêté makes the fleet reissue the device's configuration: the page says so, with the version.
            await page.Locator(".subnav a[href='#/admin/authorisations']").ClickAsync();
            await page.Locator("tr[data-authorisation='2026-DPG-0412'] button", new() { HasText = "Modifier" }).ClickAsync();
            await form.GetByLabel("Service autorisé").FillAsync("Police municipale de Lyon — CSU");
            await form.Locator("button[type=submit]").ClickAsync();
            await Expect(page.Locator("#authorisation-result")).ToContainTextAsync($"{DeviceId} : nouvelle configuration signée, version 2");
            await AdminPage.ScreenshotsAsync(page, "admin-authorisations");

            // Revocation asks first; cancelling does nothing.
            await AdminPage.OpenAsync(page, $"#/admin/device/{DeviceId}");
            await page.Locator("#revoke-form").GetByLabel("Motif (consigné dans le journal d'audit)").FillAsync("boîtier volé");
            await page.Locator("#revoke-form button[type=submit]").ClickAsync();
            await page.Locator("dialog.confirm-dialog button[value=cancel]").ClickAsync();
            await Expect(page.Locator("dialog.confirm-dialog")).ToHaveCountAsync(0);
            await page.Locator("#revoke-form button[type=submit]").ClickAsync();
            await page.Locator("dialog.confirm-dialog button[value=ok]").ClickAsync();
            await Expect(page.Locator("#device-status")).ToContainTextAsync($"{DeviceId} révoqué");
            Assert.Equal(404, await AdminPage.StatusAsync(page, "POST", $"api/devices/{DeviceId}/revoke", "{}"));
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    [Fact]
    public async Task AccountsScreen_CreateWithFutureTrainingThenDisable_ErrorNextToFieldAndConfirmed()
    {
        var host = fleet.Host;
        var admin = await host.CreateAccountAsync(Role.Admin, "alba");
        var page = await browser.NewPageAsync();
        await ConsolePage.SignInAsync(page, host, admin);
        await AdminPage.OpenAsync(page, "#/admin/accounts");
        var form = page.Locator("#account-form");
        await form.GetByLabel("Identifiant").FillAsync("paul.martin");
        await form.GetByLabel("Nom de l'agent").FillAsync("Paul Martin");
        await form.GetByLabel("Rôle").SelectOptionAsync("operator");
        await form.GetByLabel("Mot de passe initial").FillAsync(ConsoleHost.Password);
        await form.GetByLabel("Référence de l'acte de désignation").FillAsync("Arrêté municipal 2026-118");
        await form.GetByLabel("Date de désignation").FillAsync("2026-01-05");
        await form.GetByLabel("Date de formation").FillAsync(DateTime.Now.AddDays(3).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        await form.Locator("button[type=submit]").ClickAsync();

        // The fleet refuses a training in the future: its message sits under that field, which is marked invalid.
        await Expect(form.Locator("[data-error-for='trainingDate']")).ToContainTextAsync("trainingDate is required and cannot be in the future.");
        await Expect(form.GetByLabel("Date de formation")).ToHaveAttributeAsync("aria-invalid", "true");
        await form.GetByLabel("Mot de passe initial").FillAsync(ConsoleHost.Password);
        await form.GetByLabel("Date de formation").FillAsync("2026-01-20");
        await form.Locator("button[type=submit]").ClickAsync();
        var row = page.Locator("tr[data-account='paul.martin']");
        await Expect(row).ToContainTextAsync("Arrêté municipal 2026-118 (2026-01-05)");
        await Expect(row).ToContainTextAsync("actif");

        await row.GetByRole(Microsoft.Playwright.AriaRole.Button, new() { Name = "Désactiver" }).ClickAsync();
        await Expect(page.Locator("dialog.confirm-dialog")).ToContainTextAsync("paul.martin");
        await page.Locator("dialog.confirm-dialog button[value=ok]").ClickAsync();
        await Expect(row).ToContainTextAsync("désactivé");
        await AdminPage.ScreenshotsAsync(page, "admin-accounts");
    }

    [Fact]
    public async Task AdminScreens_OperatorAndAuditor_NotShownAndApiRefuses403()
    {
        var host = fleet.Host;
        const string Reference = "2026-RPT-0007";
        var now = DateTimeOffset.UtcNow;
        await host.Services.GetRequiredService<FleetDatabase>().InTransactionAsync((c, t) => host.Services.GetRequiredService<AuthorisationStore>().InsertAsync(c, t,
            new ValidAuthorisation(Reference, "Police municipale", ["intrusion"], [new AuthorisedCamera("report-pole", "cam-1")], now.AddDays(-1), now.AddDays(9), null), "test", now, CancellationToken.None), CancellationToken.None);
        var aipd = $"api/reports/aipd?authorisation={Reference}";
        var op = await host.CreateAccountAsync(Role.Operator, "olga");
        var page = await browser.NewPageAsync();
        await ConsolePage.SignInAsync(page, host, op);
        await Expect(page.Locator("#nav-admin")).ToBeHiddenAsync();
        await Expect(page.Locator("#nav-audit")).ToBeHiddenAsync();
        await AdminPage.OpenAsync(page, "#/admin/tokens");
        await Expect(page.Locator("#view-queue")).ToBeVisibleAsync();
        await Expect(page.Locator("#view-admin")).ToBeHiddenAsync();
        await AdminPage.OpenAsync(page, "#/audit");
        await Expect(page.Locator("#view-audit")).ToBeHiddenAsync();
        Assert.Equal(403, await AdminPage.StatusAsync(page, "POST", "api/enrolment-tokens", "{\"site\":\"x\"}"));
        Assert.Equal(403, await AdminPage.StatusAsync(page, "POST", "api/accounts", "{}"));
        Assert.Equal(403, await AdminPage.StatusAsync(page, "PUT", "api/devices/any/config", "{\"cameras\":[]}"));
        Assert.Equal(403, await AdminPage.StatusAsync(page, "GET", "api/audit/verification"));
        Assert.Equal(403, await AdminPage.StatusAsync(page, "GET", "api/evaluation/decisions"));
        Assert.Equal(403, await AdminPage.StatusAsync(page, "GET", aipd));
        await Expect(page.Locator("#audit-reports")).ToHaveCountAsync(0);

        var auditor = await host.CreateAccountAsync(Role.Auditor, "aude");
        var second = await browser.NewPageAsync();
        await ConsolePage.SignInAsync(second, host, auditor);
        await Expect(second.Locator("#nav-audit")).ToBeVisibleAsync();
        await Expect(second.Locator("#nav-admin")).ToBeHiddenAsync();
        await AdminPage.OpenAsync(second, "#/admin/accounts");
        await Expect(second.Locator("#view-admin")).ToBeHiddenAsync();
        Assert.Equal(403, await AdminPage.StatusAsync(second, "POST", "api/enrolment-tokens", "{\"site\":\"x\"}"));
        Assert.Equal(200, await AdminPage.StatusAsync(second, "GET", "api/audit/verification"));

        // The auditor's page links the AIPD and the bilan (HTML, CSV) of each arrêté, and gives the public register's address.
        await AdminPage.OpenAsync(second, "#/audit");
        var row = second.Locator("#audit-reports tr", new() { HasText = Reference });
        await Expect(row.Locator("a.report-aipd")).ToHaveAttributeAsync("href", aipd);
        await Expect(row.Locator("a.report-bilan")).ToHaveAttributeAsync("href", $"api/reports/bilan?authorisation={Reference}");
        await Expect(row.Locator("a.report-bilan-csv")).ToHaveAttributeAsync("href", $"api/reports/bilan?authorisation={Reference}&format=csv");
        await Expect(second.Locator("#register-url a")).ToHaveAttributeAsync("href", new Uri(host.BaseAddress, "registre").ToString());
        Assert.Equal(200, await AdminPage.StatusAsync(second, "GET", aipd));
    }

    private static string Local(DateTime at) => at.ToString("yyyy-MM-dd'T'HH:mm", CultureInfo.InvariantCulture);

    private static JsonObject Camera()
    {
        var camera = JsonNode.Parse(File.ReadAllText(Path.Combine(TestAssets.RepositoryRoot, "agent", "Vsa.Edge.Agent", "samples", "vtest-camera.json")),
            documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip })!.AsObject();
        camera["source"] = TestAssets.DemoClip;
        return camera;
    }

    // The enrolled agent with no camera file: it runs nothing until the fleet sends its configuration.
    private static ChildProcess StartAgent(string work, string state, int tlsPort)
    {
        var config = new
        {
            Agent = new { DeviceId, Cameras = Array.Empty<string>(), DataDirectory = state },
            Inference = new { ModelDirectory = TestAssets.NanoDetDirectory, ExecutionProviders = new[] { "CPU" } },
            Mqtt = new
            {
                Host = "127.0.0.1",
                Port = tlsPort,
                CredentialsDirectory = Path.Combine(state, "credentials"),
                HeartbeatInterval = "00:00:02",
                ReconnectMinDelay = "00:00:00.100",
                ReconnectMaxDelay = "00:00:00.500",
            },
        };
        var path = Path.Combine(work, "agent.json");
        File.WriteAllText(path, JsonSerializer.Serialize(config));
        return ChildProcess.StartBuiltTool("vsa-agent", ["run", "--config", path]);
    }
}
