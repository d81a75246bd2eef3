using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using AngleSharp.Dom;
using AngleSharp.Html.Parser;
using Vsa.Edge.Console.Tests.Infrastructure;
using Vsa.Edge.Contracts;
using Vsa.Edge.FleetManager.Accounts;
using Vsa.Edge.Testing;

namespace Vsa.Edge.Console.Tests;

/// <summary>
/// The AIPD and the bilan of an arrêté from a fleet the real agent filled (the demo clip replayed) and an operator decided:
/// the documents parse, and their figures are the evaluation API's.
/// </summary>
public sealed class ReportTests
{
    private static readonly TimeSpan AgentTimeout = TimeSpan.FromMinutes(4);

    [Fact]
    public async Task AipdAndBilan_RealAgentRunAndDecisions_FiguresEqualTheEvaluationApiAndHtmlParses()
    {
        await using var host = await ConsoleHost.StartAsync();
        using var admin = await FleetAdmin.CreateAsync(host);
        var reference = await admin.AuthoriseAsync("pole-demo", "vtest", "intrusion");
        var alertIds = await RunAgentAsync(host);
        using var op = await SignInAsync(host, await host.CreateAccountAsync(Role.Operator, "alice"));
        for (var i = 0; i < alertIds.Count; i++)
        {
            // One confirmed, the others dismissed for two reasons, the last left pending when there are enough.
            if (i == alertIds.Count - 1 && alertIds.Count > 2)
            {
                break;
            }

            var body = i == 0 ? """{"decision":"confirmed"}""" : $$"""{"decision":"dismissed","reason":"{{(i % 2 == 0 ? "ombre" : "reflet")}}"}""";
            var decided = await op.PostAsync(new Uri($"api/alerts/{alertIds[i]}/decision", UriKind.Relative), new StringContent(body, Encoding.UTF8, "application/json"));
            Assert.True(decided.IsSuccessStatusCode, await decided.Content.ReadAsStringAsync());
        }

        var from = Uri.EscapeDataString(DateTimeOffset.UtcNow.AddDays(-1).AddHours(-1).ToString("O", CultureInfo.InvariantCulture));
        var to = Uri.EscapeDataString(DateTimeOffset.UtcNow.AddMinutes(5).ToString("O", CultureInfo.InvariantCulture));
        var evaluation = JsonNode.Parse(await (await admin.GetAsync($"api/evaluation?from={from}&to={to}")).Content.ReadAsStringAsync())!;
        var bilan = await admin.GetAsync($"api/reports/bilan?authorisation={Uri.EscapeDataString(reference)}");
        var aipd = await admin.GetAsync($"api/reports/aipd?authorisation={Uri.EscapeDataString(reference)}");
        var csv = await (await admin.GetAsync($"api/reports/bilan?authorisation={Uri.EscapeDataString(reference)}&format=csv")).Content.ReadAsStringAsync();
        var byOperator = await op.GetAsync(new Uri($"api/reports/bilan?authorisation={Uri.EscapeDataString(reference)}", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, bilan.StatusCode);
        Assert.Equal(HttpStatusCode.OK, aipd.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, byOperator.StatusCode);
        var total = evaluation["total"]!;
        Assert.Equal(alertIds.Count, (int)total["raised"]!);
        foreach (var html in new[] { await bilan.Content.ReadAsStringAsync(), await aipd.Content.ReadAsStringAsync() })
        {
            var document = new HtmlParser().ParseDocument(html);
            Assert.Equal("fr", document.DocumentElement.GetAttribute("lang"));
            var row = document.QuerySelector("#total tbody tr")!;
            Assert.Equal((int)total["raised"]!, Count(row, "raised"));
            Assert.Equal((int)total["confirmed"]!, Count(row, "confirmed"));
            Assert.Equal((int)total["dismissed"]!, Count(row, "dismissed"));
            Assert.Equal((int)total["pending"]!, Count(row, "pending"));
            Assert.Equal<double?>(Math.Round((double)total["precision"]!, 4), Value(row, "precision"));
            Assert.Equal<double?>(Math.Round((double)total["medianSecondsToDecision"]!, 3), Value(row, "median"));
            var intrusion = document.QuerySelector("#par-evenement tbody tr")!;
            Assert.Equal((int)evaluation["byEventType"]![0]!["raised"]!, Count(intrusion, "raised"));
            Assert.Contains("Intrusion en zone", intrusion.TextContent, StringComparison.Ordinal);
            Assert.Contains("reflet", document.QuerySelector("#motifs")!.TextContent, StringComparison.Ordinal);
            Assert.DoesNotContain("vtest.avi", html, StringComparison.Ordinal);
        }

        var fields = new HtmlParser().ParseDocument(await aipd.Content.ReadAsStringAsync()).QuerySelectorAll("#champs-alerte code").Select(c => c.TextContent).ToList();
        Assert.Contains("alertId", fields);
        Assert.Contains("objects[].box", fields);
        Assert.DoesNotContain(fields, f => f.Contains("image", StringComparison.OrdinalIgnoreCase));
        var totalLine = csv.Split("\r\n")[1].Split(',');
        Assert.Equal(("total", alertIds.Count.ToString(CultureInfo.InvariantCulture)), (totalLine[0], totalLine[5]));
    }

    private static async Task<List<string>> RunAgentAsync(ConsoleHost host)
    {
        var work = Directory.CreateTempSubdirectory("vsa-report-agent-").FullName;
        try
        {
            var events = Path.Combine(work, "events.jsonl");
            var camera = Path.Combine(TestAssets.RepositoryRoot, "agent", "Vsa.Edge.Agent", "samples", "vtest-camera.json");
            await using (var agent = ChildProcess.StartBuiltTool(
                "vsa-agent",
                ["analyze", "--source", TestAssets.DemoClip, "--camera", camera, "--every", "3", "--providers", "CPU",
                 "--publish", $"mqtt://127.0.0.1:{host.BrokerPort}", "--device-id", "pole-demo", "--development", "--events-out", events,
                 "--data-dir", Path.Combine(work, "agent")]))
            {
                // The embedded broker acknowledges an alert once stored: when the agent has exited, every alert is in the fleet.
                Assert.True(await agent.WaitForExitAsync(AgentTimeout) == 0, agent.Output);
            }

            var ids = File.ReadAllLines(events).Where(l => l.Length > 0)
                .Select(l => JsonSerializer.Deserialize(l, ContractsJsonContext.Default.AlertMessage)!.AlertId)
                .Distinct().ToList();
            Assert.NotEmpty(ids);
            return ids;
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private static async Task<HttpClient> SignInAsync(ConsoleHost host, string name)
    {
        var client = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer() }) { BaseAddress = host.BaseAddress, Timeout = ConsoleHost.Timeout };
        client.DefaultRequestHeaders.Add("Origin", host.BaseAddress.GetLeftPart(UriPartial.Authority));
        var login = await client.PostAsJsonAsync("api/auth/login", new { name, password = ConsoleHost.Password });
        Assert.True(login.IsSuccessStatusCode, await login.Content.ReadAsStringAsync());
        return client;
    }

    private static int Count(IElement row, string field) =>
        int.Parse(new string([.. row.QuerySelector($"td[data-field={field}]")!.TextContent.Where(char.IsAsciiDigit)]), CultureInfo.InvariantCulture);

    private static double? Value(IElement row, string field) =>
        row.QuerySelector($"td[data-field={field}]")!.GetAttribute("data-value") is { } value ? double.Parse(value, CultureInfo.InvariantCulture) : null;
}
