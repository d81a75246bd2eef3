using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Vsa.Edge.FleetManager.Accounts;
using Vsa.Edge.FleetManager.Storage;
using Vsa.Edge.FleetManager.Tests.Infrastructure;
using Vsa.Edge.Testing;
using Xunit.Abstractions;

namespace Vsa.Edge.FleetManager.Tests.Devices;

/// <summary>Runs only when VSA_BENCH_BOARD is set (a bench, not a test): the board API's response time and page weight at 10,000 devices.</summary>
public sealed class BenchFactAttribute : FactAttribute
{
    /// <summary>Skipped unless VSA_BENCH_BOARD is set.</summary>
    public BenchFactAttribute()
    {
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable("VSA_BENCH_BOARD")))
        {
            Skip = "a bench: set VSA_BENCH_BOARD=1 to run it";
        }
    }
}

/// <summary>
/// <c>VSA_BENCH_BOARD=1 dotnet test tests/Vsa.Edge.FleetManager.Tests --filter DeviceBoardBench</c>: 10,000 seeded devices,
/// GET /api/devices/board p50/p95 over 30 requests per query, SQLite and PostgreSQL in the same run, and the page's bytes.
/// </summary>
public sealed class DeviceBoardBench(PostgresFixture database, ITestOutputHelper output) : IClassFixture<PostgresFixture>
{
    private const int Devices = 10_000;
    private const int Runs = 30;

    [BenchFact]
    public async Task Board_10000Devices_ResponseTimes()
    {
        foreach (var engine in new[] { "SQLite", "PostgreSQL" })
        {
            await using var fleet = await FleetApp.StartAsync(postgres: engine == "PostgreSQL" ? database.CreateSchema() : null);
            var seeding = Stopwatch.StartNew();
            await BoardSeed.SeedAsync(fleet.Services.GetRequiredService<FleetDatabase>(), Devices, fleet.Services.GetRequiredService<TimeProvider>().GetUtcNow());
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{engine}: seeded {Devices} devices in {seeding.Elapsed.TotalSeconds:F1} s"));
            using var op = await fleet.ClientAsync(Role.Operator);
            var middle = await NextOfAsync(op, "limit=50", 100);
            foreach (var query in new[] { "limit=50", $"limit=50&after={middle}", "limit=50&sort=heartbeat&dir=desc", "limit=50&sort=cameras&dir=desc", "limit=50&q=pole-04321", "limit=50&state=offline&site=Site%2003", "limit=50&model=nanodet-coco%202", "limit=50&state=stopped" })
            {
                var times = new List<double>();
                long bytes = 0;
                for (var i = 0; i < Runs; i++)
                {
                    var started = Stopwatch.GetTimestamp();
                    var body = await op.GetByteArrayAsync(new Uri($"/api/devices/board?{query}", UriKind.Relative));
                    times.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                    bytes = body.Length;
                }

                times.Sort();
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{engine} {query[..Math.Min(query.Length, 60)]}: p50 {times[Runs / 2]:F1} ms, p95 {times[(int)(Runs * 0.95)]:F1} ms, {bytes / 1024.0:F1} KiB"));
            }

            var all = Stopwatch.StartNew();
            var list = await op.GetByteArrayAsync(new Uri("/api/devices", UriKind.Relative));
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{engine} GET /api/devices (every device, before): {all.Elapsed.TotalMilliseconds:F0} ms, {list.Length / 1024.0:F0} KiB"));
        }
    }

    // The cursor after page n.
    private static async Task<string> NextOfAsync(HttpClient client, string query, int n)
    {
        string? after = null;
        for (var i = 0; i < n; i++)
        {
            var page = await client.GetFromJsonAsync($"/api/devices/board?{query}{(after is null ? string.Empty : $"&after={after}")}", FleetManager.Api.FleetJsonContext.Default.DeviceBoardPage);
            after = page!.Next!;
        }

        return after!;
    }
}
