using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Unicode;
using Microsoft.Playwright;
using Vsa.Edge.Configuration;
using Vsa.Edge.Console.Tests.Infrastructure;
using Vsa.Edge.Testing;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace Vsa.Edge.Console.Tests.Setup;

/// <summary>
/// The installer's set-up page served by the real agent process (<c>vsa-agent provision setup</c>) with the demo clip as
/// the camera, driven in Debian's chromium: sign-in and lock-out, a zone drawn by clicking, a self-intersecting polygon
/// refused by the agent's validator, a ground calibration, and the saved document replayed by <c>analyze</c> with the same
/// alerts as a hand-written document of the same geometry.
/// </summary>
[Collection(BrowserCollection.Name)]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class SetupPageTests(BrowserFixture browser, ITestOutputHelper output)
{
    private static readonly TimeSpan Startup = TimeSpan.FromSeconds(60);

    // The paved square of the demo clip where people walk (agent/Vsa.Edge.Agent/samples/vtest-camera.json).
    private static readonly (double X, double Y)[] Square = [(0.30, 0.40), (0.80, 0.36), (0.98, 0.58), (0.98, 0.78), (0.60, 0.72), (0.30, 0.55)];

    // Ground points in perspective: a 10 m × 20 m rectangle and its centre, slightly off, so the error is not zero.
    private static readonly (double X, double Y, double Wx, double Wy)[] Ground =
        [(0.2, 0.9, 0, 0), (0.8, 0.9, 10, 0), (0.65, 0.45, 10, 20), (0.35, 0.45, 0, 20), (0.52, 0.6, 5, 10)];

    [Fact]
    public async Task SetupPage_DemoClip_SignInDrawCalibrateSaveAndAnalyzeAcceptsIt()
    {
        var work = Directory.CreateTempSubdirectory("vsa-setup-page-").FullName;
        try
        {
            var camera = Path.Combine(work, "camera.json");
            await File.WriteAllTextAsync(camera, """{ "cameraId": "vtest", "name": "Démo", "source": "vtest.avi", "zones": [], "events": [] }""");
            var data = Path.Combine(work, "data");
            var outPath = Path.Combine(work, "out", "camera.json");
            await using var agent = ChildProcess.StartBuiltTool("vsa-agent",
                ["provision", "setup", "--camera", camera, "--source", TestAssets.DemoClip, "--port", "0", "--data-dir", data, "--out", outPath, "--providers", "CPU"]);
            var url = (await agent.WaitForLineAsync(l => l.StartsWith("set-up page: ", StringComparison.Ordinal), Startup))["set-up page: ".Length..];
            var fingerprint = await agent.WaitForLineAsync(l => l.StartsWith("certificate sha-256: ", StringComparison.Ordinal), Startup);
            var code = (await agent.WaitForLineAsync(l => l.StartsWith("one-time code: ", StringComparison.Ordinal), Startup)).Split(' ')[2];
            Assert.Matches("^certificate sha-256: ([0-9A-F]{2}:){31}[0-9A-F]{2}$", fingerprint);

            var page = await NewPageAsync(1920, 1080);
            long pageBytes = 0;
            page.Response += async (_, response) =>
            {
                if (!response.Url.Contains("/api/", StringComparison.Ordinal) && response.Status == 200 && response.Request.Method == "GET")
                {
                    Interlocked.Add(ref pageBytes, (await response.BodyAsync()).Length);
                }
            };

            // A wrong code is refused; the right one opens the page.
            await page.GotoAsync(url);
            await page.Locator("#code").FillAsync("0000-0000");
            await page.Locator("#login button").ClickAsync();
            await Expect(page.Locator("#login-error")).ToContainTextAsync("Code incorrect");
            await page.Locator("#code").FillAsync(code);
            await page.Locator("#login button").ClickAsync();
            await Expect(page.Locator("body")).ToHaveAttributeAsync("data-ready", "true");
            await Expect(page.Locator("#privacy")).ToContainTextAsync("jamais enregistrées");

            // Someone else guessing is locked out after the fifth wrong code (one already spent above); the installer is not.
            var intruder = await NewPageAsync(1280, 800);
            await intruder.GotoAsync(url);
            for (var i = 0; i < 4; i++)
            {
                await intruder.Locator("#code").FillAsync($"1111-000{i}");
                await intruder.Locator("#login button").ClickAsync();
            }

            await Expect(intruder.Locator("#login-error")).ToContainTextAsync("verrouillée");
            await Expect(intruder.Locator("#login-error")).ToContainTextAsync("Entrée dans le terminal du poteau");
            await Expect(intruder.Locator("#code")).ToBeDisabledAsync();

            // The pole's terminal names the client locked and how to unlock; Enter there prints a new code, which a colleague's
            // laptop then uses.
            await agent.WaitForLineAsync(l => l.StartsWith("set-up page: 127.0.0.1 locked after 5 wrong codes", StringComparison.Ordinal) && l.Contains("Enter here prints a new code", StringComparison.Ordinal), Startup);
            await agent.WriteStandardInputAsync("\n");
            var renewed = (await agent.WaitForLineAsync(l => l.StartsWith("one-time code: ", StringComparison.Ordinal) && l.Contains("(new:", StringComparison.Ordinal), Startup)).Split(' ')[2];
            Assert.NotEqual(code, renewed);
            await intruder.GotoAsync(url);
            await intruder.Locator("#code").FillAsync(code);
            await intruder.Locator("#login button").ClickAsync();
            await Expect(intruder.Locator("#login-error")).ToContainTextAsync("Code incorrect");
            await intruder.Locator("#code").FillAsync(renewed);
            await intruder.Locator("#login button").ClickAsync();
            await Expect(intruder.Locator("body")).ToHaveAttributeAsync("data-ready", "true");
            await intruder.Context.CloseAsync();

            // A zone drawn by clicking; people walking across it turn "in zone".
            await page.Locator("#tool-zone").ClickAsync();
            await ClickAllAsync(page, Square.Select(p => (p.X, p.Y)));
            await page.Locator("#finish").ClickAsync();
            await Expect(page.Locator("body")).ToHaveAttributeAsync("data-draft", "valid");
            await Expect(page.Locator("#tracks li.in-zone").First).ToContainTextAsync("dans « zone-1 »");
            await page.Locator("#add-event").ClickAsync();
            await Expect(page.Locator("body")).ToHaveAttributeAsync("data-draft", "valid");
            await Expect(page.Locator("#status-events li[data-event=intrusion]").First).ToContainTextAsync("intrusion : ");
            await Expect(page.Locator("#status-events li[data-event=intrusion]").First).ToContainTextAsync("dans la zone « zone-1 »");

            // A self-intersecting polygon: the agent's validator says so next to the zone, and nothing can be saved.
            await page.Locator("#tool-zone").ClickAsync();
            await ClickAllAsync(page, [(0.05, 0.05), (0.25, 0.25), (0.25, 0.05), (0.05, 0.25)]);
            await page.Locator("#finish").ClickAsync();
            await Expect(page.Locator("[data-err-for='zones[1].polygon']")).ToContainTextAsync("self-intersecting");
            await Expect(page.Locator("#save")).ToBeDisabledAsync();
            await page.Locator("fieldset[data-path='zones[1]'] button.danger").ClickAsync();
            await Expect(page.Locator("body")).ToHaveAttributeAsync("data-draft", "valid");

            // Ground calibration: five clicked points, their positions typed in metres; the error and the grid show.
            await page.Locator("#tool-calib").ClickAsync();
            await ClickAllAsync(page, Ground.Select(p => (p.X, p.Y)));
            for (var i = 0; i < Ground.Length; i++)
            {
                var inputs = page.Locator($"#calib-points tr[data-path='calibration.points[{i}]'] input[type=number]");
                await inputs.Nth(0).FillAsync(Ground[i].Wx.ToString(CultureInfo.InvariantCulture));
                await inputs.Nth(0).DispatchEventAsync("change");
                await inputs.Nth(1).FillAsync(Ground[i].Wy.ToString(CultureInfo.InvariantCulture));
                await inputs.Nth(1).DispatchEventAsync("change");
            }

            await Expect(page.Locator("body")).ToHaveAttributeAsync("data-draft", "valid");
            await Expect(page.Locator("#calib-report")).ToContainTextAsync("Erreur de reprojection");

            // Four consistent points fit exactly (0 px) while the fifth is still being typed: wait for the five-point fit.
            await Expect(page.Locator("#calib-report")).ToHaveAttributeAsync("data-rms-pixels", new System.Text.RegularExpressions.Regex("^(0\\.0*[1-9]|[1-9])"));
            var rms = double.Parse(await page.Locator("#calib-report").GetAttributeAsync("data-rms-pixels") ?? "NaN", CultureInfo.InvariantCulture);
            Assert.InRange(rms, 0.01, 30);
            Assert.True(int.Parse(await page.Locator("#frame").GetAttributeAsync("data-grid-lines") ?? "0", CultureInfo.InvariantCulture) > 10);
            await Expect(page.Locator("#latency")).ToHaveAttributeAsync("data-samples", new System.Text.RegularExpressions.Regex("^([2-9][0-9]|[0-9]{3})$"));

            await ScreenshotAsync(page, "setup-1920.png");
            await page.SetViewportSizeAsync(1280, 800);
            await page.EvaluateAsync("() => window.Setup.fit()");
            await ScreenshotAsync(page, "setup-1280.png");

            // Save: the same canonical bytes in the hand-over folder and at --out, owner-only.
            await page.Locator("#save").ClickAsync();
            await Expect(page.Locator("#save-result")).ToHaveAttributeAsync("data-state", "saved");
            var proposal = Path.Combine(data, "proposals", "vtest.json");
            var saved = await File.ReadAllBytesAsync(proposal);
            Assert.Equal(saved, await File.ReadAllBytesAsync(outPath));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(proposal));
            var document = CameraConfigLoader.Parse(Encoding.UTF8.GetString(saved));
            Assert.Equal(Canonical(document), saved);
            Assert.Equal("zone-1", Assert.Single(document.Zones).Id);
            Assert.All(document.Zones[0].Polygon.Zip(Square), p => Assert.True(Math.Abs(p.First[0] - p.Second.X) < 0.005 && Math.Abs(p.First[1] - p.Second.Y) < 0.005));
            Assert.Equal(["zone-1"], Assert.Single(document.Events).Zones);
            Assert.Equal(Ground.Select(g => (g.Wx, g.Wy)), document.Calibration!.Points.Select(p => (p.World[0], p.World[1])));

            await ReportFiguresAsync(page, Interlocked.Read(ref pageBytes));
            agent.Interrupt();
            Assert.Equal(0, await agent.WaitForExitAsync(TimeSpan.FromSeconds(20)));

            // analyze takes the saved file as it is and raises intrusions in the drawn zone: the same alerts, event by event,
            // as from a document written by hand with what the installer set on the page (the zone's and the calibration's
            // points as saved, the event's zone, categories and duration as the panel showed them) and nothing else, every
            // other setting left to the loader's defaults: the page's document adds nothing that changes what the agent does.
            var byHand = Path.Combine(work, "by-hand.json");
            await File.WriteAllTextAsync(byHand, ByHand(document));
            var (fromPage, fromHand) = (AnalyzeAsync(proposal, Path.Combine(work, "page.jsonl")), AnalyzeAsync(byHand, Path.Combine(work, "hand.jsonl")));
            var alerts = await fromPage;
            Assert.NotEmpty(alerts);
            Assert.All(alerts, a => Assert.Equal("zone-1", a.ZoneId));
            Assert.Equal(await fromHand, alerts);
            output.WriteLine($"analyze on the saved document: {alerts.Count} alert messages, identical to the hand-written document's");
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    // One alert message as compared: its kind, state, zone, tracks, timestamps and measurement (ids are random per run).
    private sealed record Alert(string Type, string State, int Sequence, string? ZoneId, string Tracks, string StartedAt, string ObservedAt, string? EndedAt, string? Measurement);

    // analyze on the demo clip, every 5th frame, from a fixed start so that two runs' timestamps compare.
    private static async Task<List<Alert>> AnalyzeAsync(string camera, string events)
    {
        await using var analyze = ChildProcess.StartBuiltTool("vsa-agent",
            ["analyze", "--source", TestAssets.DemoClip, "--camera", camera, "--every", "5", "--providers", "CPU", "--start", "2026-12-07T08:00:00Z", "--events-out", events]);
        Assert.True(await analyze.WaitForExitAsync(TimeSpan.FromMinutes(3)) == 0, analyze.Output);
        return [.. File.ReadAllLines(events).Where(l => l.Length > 0).Select(l =>
        {
            var a = JsonDocument.Parse(l).RootElement;
            string? Text(string name) => a.TryGetProperty(name, out var v) && v.ValueKind != JsonValueKind.Null ? v.ToString() : null;
            var tracks = string.Join(",", a.GetProperty("objects").EnumerateArray().Select(o => o.TryGetProperty("trackId", out var t) ? t.ToString() : "-"));
            return new Alert(Text("eventType")!, Text("state")!, a.GetProperty("sequence").GetInt32(), Text("zoneId"), tracks, Text("startedAt")!, Text("observedAt")!, Text("endedAt"), Text("measurement"));
        })];
    }

    // A camera document as an installer would type it: the drawn zone and calibration points, the intrusion event on the zone
    // with the categories and duration the page's panel showed (its "add an event" proposes person, 2 s; the loader's own
    // default duration for intrusion is 1 s, so leaving it out gives other alerts).
    private static string ByHand(CameraConfig saved)
    {
        var ev = Assert.Single(saved.Events);
        static string Points(IEnumerable<IReadOnlyList<float>> points) => string.Join(", ", points.Select(p => string.Create(CultureInfo.InvariantCulture, $"[{p[0]}, {p[1]}]")));
        var calibration = string.Join(", ", saved.Calibration!.Points.Select(p => string.Create(CultureInfo.InvariantCulture, $"{{ \"image\": [{p.Image[0]}, {p.Image[1]}], \"world\": [{p.World[0]}, {p.World[1]}] }}")));
        return $$"""
            {
              "cameraId": "vtest",
              "source": "vtest.avi",
              "zones": [ { "id": "zone-1", "polygon": [{{Points(saved.Zones[0].Polygon)}}] } ],
              "events": [ { "type": "intrusion", "zones": ["zone-1"], "categories": [{{string.Join(", ", ev.Categories!.Select(c => $"\"{c}\""))}}], "minDurationSeconds": {{ev.MinDurationSeconds!.Value.ToString(CultureInfo.InvariantCulture)}} } ],
              "calibration": { "points": [{{calibration}}] }
            }
            """;
    }

    // The loader's canonical document, as the set-up page writes it: indented, camelCase, absent fields left out.
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = JavaScriptEncoder.Create(UnicodeRanges.All) };

    private static byte[] Canonical(CameraConfig camera) =>
        Encoding.UTF8.GetBytes(JsonSerializer.Serialize(CameraConfigLoader.ToDocument(camera), Indented).ReplaceLineEndings("\n") + "\n");

    private async Task<IPage> NewPageAsync(int width, int height)
    {
        // The certificate is the pole's own self-signed one (its fingerprint printed on the terminal).
        var context = await browser.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            Locale = "fr-FR",
            IgnoreHTTPSErrors = true,
            ViewportSize = new ViewportSize { Width = width, Height = height },
        });
        context.SetDefaultTimeout(45_000);
        return await context.NewPageAsync();
    }

    private static async Task ClickAllAsync(IPage page, IEnumerable<(double X, double Y)> points)
    {
        var frame = page.Locator("#frame");
        var box = (await frame.BoundingBoxAsync())!;
        foreach (var (x, y) in points)
        {
            await frame.ClickAsync(new LocatorClickOptions { Position = new Position { X = (float)(x * box.Width), Y = (float)(y * box.Height) } });
        }
    }

    private static async Task ScreenshotAsync(IPage page, string name)
    {
        await page.WaitForFunctionAsync("() => document.getAnimations().length === 0");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserFixture.ScreenshotDirectory, name) });
    }

    private async Task ReportFiguresAsync(IPage page, long pageBytes)
    {
        var latency = page.Locator("#latency");
        var p50 = await latency.GetAttributeAsync("data-p50");
        var p95 = await latency.GetAttributeAsync("data-p95");
        var samples = await latency.GetAttributeAsync("data-samples");
        var frameBytes = await page.EvaluateAsync<int>("async () => (await (await fetch('/api/frame?seq=0', { cache: 'no-store' })).arrayBuffer()).byteLength");
        output.WriteLine($"set-up page weight: {pageBytes} bytes (HTML, CSS, JS and the sign-in form, uncompressed); one live frame: {frameBytes} bytes of JPEG");
        output.WriteLine($"frame latency captured -> displayed: p50 {p50} ms, p95 {p95} ms over {samples} frames");
    }
}
