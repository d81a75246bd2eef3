using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Vsa.Edge.FleetManager.Accounts;
using Vsa.Edge.FleetManager.Alerts;
using Vsa.Edge.FleetManager.Api;
using Vsa.Edge.FleetManager.Ingestion;
using Vsa.Edge.FleetManager.Live;
using Vsa.Edge.Testing;

namespace Vsa.Edge.FleetManager.Tests.Infrastructure;

/// <summary>
/// The real fleet manager (the real <c>Program</c> wiring) on a test server, with its embedded broker on a free loopback
/// port and its database in a temporary folder (or a PostgreSQL schema). HTTP goes through the in-memory test server; MQTT
/// through real sockets. <see cref="Http"/> is signed in as nobody; <see cref="ClientAsync"/> and <see cref="SignInAsync"/>
/// give clients of real accounts.
/// </summary>
public sealed class FleetApp : IAsyncDisposable
{
    /// <summary>Guard for every wait; the waits themselves end on explicit signals.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    /// <summary>The password of every account the tests create.</summary>
    public const string Password = "correct horse battery staple";

    // 600,000 PBKDF2 iterations take a while: one real hash, shared by every test account.
    private static readonly Lazy<string> PasswordHash = new(() => new PasswordHashing().Hash(Password));

    private readonly WebApplicationFactory<Program> _factory;
    private readonly bool _ownsDataDirectory;
    private int _accounts;

    private FleetApp(WebApplicationFactory<Program> factory, int brokerPort, string dataDirectory, bool ownsDataDirectory)
    {
        _factory = factory;
        _ownsDataDirectory = ownsDataDirectory;
        BrokerPort = brokerPort;
        DataDirectory = dataDirectory;
    }

    /// <summary>The MQTT port devices publish to: the embedded broker's plain test-bench port, or the external broker's.</summary>
    public int BrokerPort { get; }

    /// <summary>The embedded broker's mutual-TLS port (enrolled devices).</summary>
    public int TlsPort { get; private init; }

    /// <summary>The data folder (SQLite file).</summary>
    public string DataDirectory { get; }

    /// <summary>A client of the test server that is not signed in.</summary>
    public HttpClient Http { get; private set; } = null!;

    /// <summary>The host's services.</summary>
    public IServiceProvider Services => _factory.Services;

    /// <summary>The ingestion's connection state.</summary>
    public IngestionState Ingestion => Services.GetRequiredService<IngestionState>();

    /// <summary>The ingestion's counters.</summary>
    public IngestionStatistics Statistics => Services.GetRequiredService<IngestionStatistics>();

    /// <summary>
    /// Settings that keep the embedded broker on the product's defaults (client certificates required, no plain endpoint)
    /// instead of the test bench the other tests get; merge other settings into a copy.
    /// </summary>
    public static IReadOnlyDictionary<string, string?> SecureDefaults { get; } = new Dictionary<string, string?>
    {
        ["Fleet:Broker:RequireClientCertificates"] = null,
        ["Fleet:Broker:BenchDevicesMayPublish"] = null,
    };

    /// <summary>
    /// Starts the fleet manager. Without <paramref name="settings"/> for the broker it runs the embedded broker on a free
    /// port. Unless <paramref name="waitForSubscription"/> is false, returns once the ingestion is subscribed.
    /// </summary>
    public static async Task<FleetApp> StartAsync(
        IReadOnlyDictionary<string, string?>? settings = null,
        Action<IServiceCollection>? services = null,
        string? dataDirectory = null,
        bool waitForSubscription = true,
        string? postgres = null)
    {
        var all = new Dictionary<string, string?>(settings ?? new Dictionary<string, string?>());
        if (postgres is not null)
        {
            all["Fleet:Storage:Provider"] = "Postgres";
            all["Fleet:Storage:Postgres"] = postgres;
        }

        all.TryAdd("Fleet:Broker:Port", MosquittoFixture.FreeLoopbackPort().ToString(System.Globalization.CultureInfo.InvariantCulture));

        // A test bench unless the test says otherwise: TestDevice publishes as devices on the plain loopback endpoint without
        // enrolling them. The fleet's own clients use their service certificate either way; tests of the secure default
        // (no plain endpoint) pass Fleet:Broker:RequireClientCertificates=true.
        var external = all.TryGetValue("Fleet:Broker:Mode", out var mode) && string.Equals(mode, "External", StringComparison.OrdinalIgnoreCase);
        if (!external && all.TryAdd("Fleet:Broker:RequireClientCertificates", "false"))
        {
            all.TryAdd("Fleet:Broker:BenchDevicesMayPublish", "true");
        }

        // The embedded broker's mutual-TLS endpoint defaults to 8883: tests run in parallel, each on its own free port.
        all.TryAdd("Fleet:Broker:TlsPort", MosquittoFixture.FreeLoopbackPort().ToString(System.Globalization.CultureInfo.InvariantCulture));

        // The model download endpoint (mutual TLS) defaults to 8444 on every interface: each test its own loopback port.
        all.TryAdd("Fleet:Models:DeliveryPort", MosquittoFixture.FreeLoopbackPort().ToString(System.Globalization.CultureInfo.InvariantCulture));
        all.TryAdd("Fleet:Models:DeliveryBindAddress", "127.0.0.1");

        var ownsDirectory = dataDirectory is null;
        dataDirectory ??= Directory.CreateTempSubdirectory("vsa-fleet-test-").FullName;
        all["Fleet:Storage:DataDirectory"] = dataDirectory;

        var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(builder =>
        {
            // A null value leaves the product's default (see SecureDefaults).
            foreach (var (key, value) in all.Where(s => s.Value is not null))
            {
                builder.UseSetting(key, value);
            }

            builder.ConfigureLogging(logging => logging.SetMinimumLevel(LogLevel.Warning));
            if (services is not null)
            {
                builder.ConfigureTestServices(services);
            }
        });

        var app = new FleetApp(factory, int.Parse(all["Fleet:Broker:Port"]!, System.Globalization.CultureInfo.InvariantCulture), dataDirectory, ownsDirectory)
        {
            TlsPort = int.Parse(all["Fleet:Broker:TlsPort"]!, System.Globalization.CultureInfo.InvariantCulture),
        };
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

    /// <summary>Creates an account with <see cref="Password"/> (name derived from the role unless given).</summary>
    public async Task<AccountView> CreateAccountAsync(Role role, string? name = null)
    {
        name ??= $"{Roles.Name(role)}-{Interlocked.Increment(ref _accounts)}";
        var account = new NewAccount(name, $"Test {name}", role, Password, "arrêté 2025-001", new DateOnly(2025, 1, 6), new DateOnly(2025, 1, 20));
        return await Services.GetRequiredService<AccountStore>().CreateAsync(account, PasswordHash.Value, "test", CancellationToken.None)
            ?? throw new InvalidOperationException($"Account {name} exists.");
    }

    /// <summary>A client authenticated with an API token of a new account of <paramref name="role"/>.</summary>
    public async Task<HttpClient> ClientAsync(Role role)
    {
        var account = await CreateAccountAsync(role);
        var token = await Services.GetRequiredService<ApiTokenStore>().CreateAsync(account, "test", TimeSpan.FromDays(1), CancellationToken.None);
        var client = _factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token.Token);
        return client;
    }

    /// <summary>A client (with a cookie jar) signed in through <c>POST /api/auth/login</c> as a new account of <paramref name="role"/>.</summary>
    public async Task<HttpClient> SignInAsync(Role role, string? name = null)
    {
        var account = await CreateAccountAsync(role, name);
        var client = CreateBrowserClient();
        var response = await client.PostAsync("/api/auth/login", System.Net.Http.Json.JsonContent.Create(new LoginRequest(account.Name, Password), FleetJsonContext.Default.LoginRequest));
        response.EnsureSuccessStatusCode();
        return client;
    }

    /// <summary>
    /// Makes <paramref name="deviceId"/> known to the fleet (the configuration API refuses unknown ids) as if it had said
    /// "offline" long ago, so that any status the test sends afterwards is newer and applies.
    /// </summary>
    public async Task KnowDeviceAsync(string deviceId)
    {
        var longAgo = new DateTimeOffset(2001, 1, 1, 0, 0, 0, TimeSpan.Zero);
        await Services.GetRequiredService<Vsa.Edge.FleetManager.Devices.DeviceStore>().ApplyStatusAsync(Samples.Status(deviceId, Vsa.Edge.Contracts.DeviceState.Offline, longAgo), longAgo, CancellationToken.None);
    }

    /// <summary>A new client of the test server, with its own cookie jar, signed in as nobody.</summary>
    public HttpClient CreateClient() => _factory.CreateClient();

    /// <summary>
    /// A new client with its own cookie jar that sends <c>Origin: http://localhost</c> as a browser on the console's page does
    /// (state-changing requests on a session cookie are refused without it).
    /// </summary>
    public HttpClient CreateBrowserClient()
    {
        var client = _factory.CreateClient();
        client.DefaultRequestHeaders.Add("Origin", "http://localhost");
        return client;
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
