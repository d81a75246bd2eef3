using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using AngleSharp.Html.Parser;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Vsa.Edge.Contracts;
using Vsa.Edge.FleetManager.Accounts;
using Vsa.Edge.FleetManager.Api;
using Vsa.Edge.FleetManager.Authorisations;
using Vsa.Edge.FleetManager.Tests.DeviceConfigs;
using Vsa.Edge.FleetManager.Tests.Infrastructure;
using static Vsa.Edge.FleetManager.Tests.DeviceConfigs.ConfigTestClient;

namespace Vsa.Edge.FleetManager.Tests.Register;

/// <summary>The public register on the real fleet manager: no sign-in, nothing that identifies a device, a camera or a person.</summary>
public sealed partial class PublicRegisterTests
{
    private static readonly Dictionary<string, string?> Settings = new()
    {
        ["Fleet:Register:Controller"] = "Ville de Lyon",
        ["Fleet:Register:DpoEmail"] = "dpo@mairie-lyon.fr",
        ["Fleet:Register:DpoPostalAddress"] = "1 place de la Comédie, 69001 Lyon",
    };

    [Fact]
    public async Task Register_WithoutSignIn_FrenchPageAndJsonWithoutIdsAddressesUrlsOrSecrets()
    {
        await using var fleet = await FleetApp.StartAsync(Settings);
        using var admin = await fleet.SignInAsync(Role.Admin, "alice");
        var now = ConfigSamples.NowToTheSecond();
        await AuthoriseAsync(admin, Authorisation("pole-12", now.AddDays(-1), now.AddDays(30)));
        await fleet.KnowDeviceAsync("pole-12");
        await ReadConfigAsync(await PutConfigAsync(admin, "pole-12", [Named(ConfigSamples.Camera("cam-1")), ConfigSamples.Camera("cam-2")]));

        // A hostile query string: nothing of it may come back.
        using var anonymous = fleet.CreateClient();
        var page = await anonymous.GetAsync("/registre?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E");
        var json = await anonymous.GetAsync("/api/public/register?callback=evil");
        var html = await page.Content.ReadAsStringAsync();
        var text = await json.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal(HttpStatusCode.OK, json.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType!.MediaType);
        Assert.Contains("default-src 'self'", page.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        Assert.StartsWith("public, max-age=", page.Headers.CacheControl!.ToString(), StringComparison.Ordinal);
        var document = new HtmlParser().ParseDocument(html);
        Assert.Equal("fr", document.DocumentElement.GetAttribute("lang"));
        Assert.Empty(document.QuerySelectorAll("script"));
        var body = document.Body!.TextContent;
        foreach (var expected in new[] { "2026-DPG-0412", "Préfet du Rhône", "Fête des Lumières", "Intrusion en zone", "Parvis de la gare", "Place Bellecour", "Caméra 2", "lieu non renseigné", "analyse en service", "dpo@mairie-lyon.fr", "180 jours" })
        {
            Assert.Contains(expected, body, StringComparison.Ordinal);
        }

        var register = JsonNode.Parse(text)!;
        var inForce = Assert.Single(register["inForce"]!.AsArray())!;
        Assert.Equal("running", (string?)inForce["status"]);
        Assert.Equal(["Parvis de la gare", "Caméra 2"], inForce["cameras"]!.AsArray().Select(c => (string?)c!["name"]));
        foreach (var served in new[] { html, text })
        {
            foreach (var secret in new[] { "pole-12", "cam-1", "cam-2", "rtsp", "s3cret", "viewer", "alice", "<script>", "evil", "Quai nord" })
            {
                Assert.DoesNotContain(secret, served, StringComparison.OrdinalIgnoreCase);
            }

            Assert.DoesNotMatch(Ipv4(), served);
        }
    }

    [Fact]
    public async Task Register_AuthorisationEndBroughtForward_MovesToEnded()
    {
        var clock = new FakeTimeProvider(TimeProvider.System.GetUtcNow());
        await using var fleet = await FleetApp.StartAsync(Settings, s => s.AddSingleton<TimeProvider>(clock));
        using var admin = await fleet.SignInAsync(Role.Admin);
        var now = clock.GetUtcNow();
        var created = await AuthoriseAsync(admin, Authorisation("pole-12", now.AddDays(-10), now.AddDays(30)));
        using var anonymous = fleet.CreateClient();
        var before = (await anonymous.GetFromJsonAsync<JsonNode>("/api/public/register"))!;

        var ended = await admin.PutAsJsonAsync($"/api/authorisations/{created.Id}", Authorisation("pole-12", now.AddDays(-10), now.AddMinutes(-1)), FleetJsonContext.Default.AuthorisationRequest);
        clock.Advance(fleet.Services.GetRequiredService<IOptions<FleetManager.Register.RegisterOptions>>().Value.CacheDuration);
        var after = (await anonymous.GetFromJsonAsync<JsonNode>("/api/public/register"))!;
        var html = await anonymous.GetStringAsync("/registre");

        Assert.Equal("2026-DPG-0412", (string?)Assert.Single(before["inForce"]!.AsArray())!["reference"]);
        Assert.Empty(before["recentlyEnded"]!.AsArray());
        Assert.Equal(HttpStatusCode.OK, ended.StatusCode);
        Assert.Empty(after["inForce"]!.AsArray());
        var gone = Assert.Single(after["recentlyEnded"]!.AsArray())!;
        Assert.Equal(("2026-DPG-0412", "ended"), ((string?)gone["reference"], (string?)gone["status"]));
        Assert.Contains("Aucune autorisation en vigueur", html, StringComparison.Ordinal);
        Assert.Contains("Terminée", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Register_CameraSuspended_ShowsSuspendu()
    {
        await using var fleet = await FleetApp.StartAsync(Settings);
        using var admin = await fleet.SignInAsync(Role.Admin);
        var now = ConfigSamples.NowToTheSecond();
        var request = Authorisation("pole-12", now.AddDays(-1), now.AddDays(30)) with { Cameras = [new AuthorisedCamera("pole-12", "cam-1"), new AuthorisedCamera("pole-12", "cam-2")] };
        await AuthoriseAsync(admin, request);
        await fleet.KnowDeviceAsync("pole-12");
        var suspended = await admin.PostAsync("/api/suspensions", new StringContent(
            """{"scope":"camera","deviceId":"pole-12","cameraId":"cam-2","reason":"demande du préfet"}""", Encoding.UTF8, "application/json"));

        using var anonymous = fleet.CreateClient();
        var register = (await anonymous.GetFromJsonAsync<JsonNode>("/api/public/register"))!;
        var html = await anonymous.GetStringAsync("/registre");

        Assert.Equal(HttpStatusCode.Created, suspended.StatusCode);
        var authorisation = Assert.Single(register["inForce"]!.AsArray())!;
        Assert.Equal("partially_suspended", (string?)authorisation["status"]);
        Assert.Equal([false, true], authorisation["cameras"]!.AsArray().Select(c => (bool)c!["suspended"]!));
        Assert.Contains("analyse suspendue", html, StringComparison.Ordinal);
        Assert.Contains("suspendu", html, StringComparison.Ordinal);
        Assert.DoesNotContain("demande du préfet", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Register_NamesOnlyFromTheFleetsConfiguration_ADeviceReportedNameIsNeverPublished()
    {
        await using var fleet = await FleetApp.StartAsync(Settings);
        using var admin = await fleet.SignInAsync(Role.Admin);
        var now = ConfigSamples.NowToTheSecond();
        await AuthoriseAsync(admin, Authorisation("pole-12", now.AddDays(-1), now.AddDays(30)));
        await fleet.KnowDeviceAsync("pole-12");
        var claimed = JsonNode.Parse(ConfigSamples.Camera("cam-1").GetRawText())!.AsObject();
        claimed["publicName"] = "Texte choisi par l'équipement";
        claimed["place"] = "Lieu choisi par l'équipement";
        var report = ConfigSamples.Reported("pole-12", TimeProvider.System.GetUtcNow(), applied: null, cameras: [JsonSerializer.SerializeToElement(claimed)]) with { Source = ConfigSource.Local };

        // The device (not configured from the fleet yet) reports a configuration naming its camera for the public.
        await using (var device = await TestDevice.ConnectAsync(fleet.BrokerPort, "pole-12"))
        {
            await device.PublishRawAsync(Topics.ConfigReported("pole-12"), JsonSerializer.Serialize(report, ContractsJsonContext.Default.ReportedConfigMessage), retain: true);
        }

        using var anonymous = fleet.CreateClient();
        var register = (await anonymous.GetFromJsonAsync<JsonNode>("/api/public/register"))!;
        var html = await anonymous.GetStringAsync("/registre");

        // Only an administrator's configuration names cameras in public: the device's words are not published.
        var cameras = Assert.Single(register["inForce"]!.AsArray())!["cameras"]!.AsArray();
        Assert.Equal(("Caméra 1", "lieu non renseigné"), ((string?)cameras[0]!["name"], (string?)cameras[0]!["place"]));
        Assert.DoesNotContain("choisi par l", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Register_FloodFromOneAddress_AnsweredTooManyRequests()
    {
        var settings = new Dictionary<string, string?>(Settings) { ["Fleet:Register:RequestsPerMinute"] = "3" };
        await using var fleet = await FleetApp.StartAsync(settings);
        using var anonymous = fleet.CreateClient();

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 4; i++)
        {
            statuses.Add((await anonymous.GetAsync("/registre")).StatusCode);
        }

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests], statuses);
    }

    [Fact]
    public async Task Start_DpoEmailNotAnAddress_RefusedNamingTheSetting()
    {
        var settings = new Dictionary<string, string?>(Settings) { ["Fleet:Register:DpoEmail"] = "Jean <dpo@example.org>" };

        var error = await Assert.ThrowsAnyAsync<OptionsValidationException>(() => FleetApp.StartAsync(settings, waitForSubscription: false));

        Assert.Contains("Fleet:Register:DpoEmail", error.Message, StringComparison.Ordinal);
    }

    private static AuthorisationRequest Authorisation(string deviceId, DateTimeOffset startsAt, DateTimeOffset endsAt) =>
        ConfigSamples.Authorisation(deviceId, startsAt, endsAt) with
        {
            Cameras = [new AuthorisedCamera(deviceId, "cam-1"), new AuthorisedCamera(deviceId, "cam-2")],
            Authority = "Préfet du Rhône",
            Purpose = "Sécurité de la Fête des Lumières",
        };

    private static JsonElement Named(JsonElement camera)
    {
        var node = JsonNode.Parse(camera.GetRawText())!.AsObject();
        node["publicName"] = "Parvis de la gare";
        node["place"] = "Place Bellecour, Lyon 2e";
        return JsonSerializer.SerializeToElement(node, FleetJsonContext.Default.JsonObject);
    }

    [GeneratedRegex(@"\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\b")]
    private static partial Regex Ipv4();
}
