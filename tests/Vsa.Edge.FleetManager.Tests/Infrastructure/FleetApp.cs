using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Vsa.Edge.FleetManager.Alerts;
using Vsa.Edge.FleetManager.Api;
using Vsa.Edge.FleetManager.Ingestion;
using Vsa.Edge.FleetManager.Live;
using Vsa.Edge.Testing;

namespace Vsa.Edge.FleetManager.Tests.Infrastructure;

/// <summary>
/// The real fleet manager (the real <c>Program</c> wiring) on a test server, with its embedded broker on a free loopback
/// port and its database in a temporary folder. HTTP goes through the in-memory test server; MQTT through real sockets.
/// </summary>
public sealed class FleetApp : IAsyncDisposable
{
    /// <summary>Guard for every wait; the waits themselves end on explicit signals.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    private readonly WebApplicationFactory<Program> _factory;
    private readonly bool _ownsDataDirectory;

    private FleetApp(WebApplicationFactory<Program> factory, int brokerPort, string dataDirectory, bool ownsDataDirectory)
    {
        _factory = factory;
        _ownsDataDirectory = ownsDataDirectory;
        BrokerPort = brokerPort;
        DataDirectory = dataDirectory;
    }

    /// <summary>The MQTT port devices publish to (the embedded broker's, or the external broker's).</summary>
    public int BrokerPort { get; }

    /// <summary>The data folder (SQLite file).</summary>
    public string DataDirectory { get; }

    /// <summary>A client of the test server.</summary>
    public HttpClient Http { get; private set; } = null!;

    /// <summary>The host's services.</summary>
    public IServiceProvider Services => _factory.Services;

    /// <summary>The ingestion's connection state.</summary>
    public IngestionState Ingestion => Services.GetRequiredService<IngestionState>();

    /// <summary>The ingestion's counters.</summary>
    public IngestionStatistics Statistics => Services.GetRequiredService<IngestionStatistics>();

    /// <summary>
    /// Starts the fleet manager. Without <paramref name="settings"/> for the broker it runs the embedded broker on a free
    /// port. Unless <paramref name="waitForSubscription"/> is false, returns once the ingestion is subscribed.
    /// </summary>
    public static async Task<FleetApp> StartAsync(
        IReadOnlyDictionary<string, string?>? settings = null,
        Action<IServiceCollection>? services = null,
        string? dataDirectory = null,
        bool waitForSubscription = true)
    {
        var all = new Dictionary<string, string?>(settings ?? new Dictionary<string, string?>());
        all.TryAdd("Fleet:Broker:Port", MosquittoFixture.FreeLoopbackPort().ToString(System.Globalization.CultureInfo.InvariantCulture));

        var ownsDirectory = dataDirectory is null;
        dataDirectory ??= Directory.CreateTempSubdirectory("vsa-fleet-test-").FullName;
        all["Fleet:Storage:DataDirectory"] = dataDirectory;

        var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(builder =>
        {
            foreach (var (key, value) in all)
            {
                builder.UseSetting(key, value);
            }

            builder.ConfigureLogging(logging => logging.SetMinimumLevel(LogLevel.Warning));
            if (services is not null)
            {
                builder.ConfigureTestServices(services);
            }
        });

        var app = new FleetApp(factory, int.Parse(all["Fleet:Broker:Port"]!, System.Globalization.CultureInfo.InvariantCulture), dataDirectory, ownsDirectory);
        try
        {
            app.Http = factory.CreateClient();
            if (waitForSubscription)
            {
                using var guard = new CancellationTokenSource(Timeout);
                await app.Ingestion.WaitUntilAsync(s => s.Subscribed, guard.Token);
            }

            return app;
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }
    }

    /// <summary>Subscribes to the live events; do it before publishing what you wait for.</summary>
    public LiveTap Tap() => new(Services.GetRequiredService<LiveBroadcaster>().Subscribe());

    /// <summary>
    /// Waits until the stored alert satisfies <paramref name="condition"/>: subscribes first, then looks at the store, then
    /// waits for live events, so an alert stored before the call is seen too.
    /// </summary>
    public async Task<AlertView> WaitForAlertAsync(string alertId, Func<AlertView, bool>? condition = null)
    {
        condition ??= _ => true;
        using var tap = Tap();
        var stored = await Services.GetRequiredService<AlertStore>().FindAsync(alertId, CancellationToken.None);
        if (stored is not null && condition(stored))
        {
            return stored;
        }

        return await tap.WaitForAsync(LiveEventTypes.Alert, FleetJsonContext.Default.AlertView, a => a.AlertId == alertId && condition(a));
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        Http?.Dispose();
        try
        {
            await _factory.DisposeAsync();
        }
        finally
        {
            if (_ownsDataDirectory)
            {
                SqliteConnection.ClearAllPools();
                Directory.Delete(DataDirectory, recursive: true);
            }
        }
    }
}

/// <summary>A live-event subscription for a test.</summary>
public sealed class LiveTap(LiveBroadcaster.Subscription subscription) : IDisposable
{
    /// <summary>Reads events until one of <paramref name="type"/> satisfies <paramref name="condition"/>.</summary>
    public async Task<T> WaitForAsync<T>(string type, JsonTypeInfo<T> typeInfo, Func<T, bool> condition)
    {
        using var guard = new CancellationTokenSource(FleetApp.Timeout);
        try
        {
            await foreach (var live in subscription.Reader.ReadAllAsync(guard.Token))
            {
                if (live.Type == type && System.Text.Json.JsonSerializer.Deserialize(live.Json, typeInfo) is { } value && condition(value))
                {
                    return value;
                }
            }
        }
        catch (OperationCanceledException) when (guard.IsCancellationRequested)
        {
        }

        throw new TimeoutException($"No '{type}' live event matched within {FleetApp.Timeout}.");
    }

    /// <inheritdoc />
    public void Dispose() => subscription.Dispose();
}
