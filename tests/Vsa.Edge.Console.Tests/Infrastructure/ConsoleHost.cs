using System.Globalization;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Vsa.Edge.FleetManager.Accounts;
using Vsa.Edge.FleetManager.Ingestion;
using Vsa.Edge.Testing;

namespace Vsa.Edge.Console.Tests.Infrastructure;

/// <summary>
/// The real fleet manager (its own <c>Program</c>, wwwroot from the source tree) listening with Kestrel on a free loopback
/// port, since a browser needs a real socket, with its embedded MQTT broker on another and its SQLite database in a
/// temporary folder.
/// </summary>
public sealed class ConsoleHost : IAsyncDisposable
{
    /// <summary>Guard for every wait; the waits themselves end on explicit signals.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    /// <summary>Password of every account the tests create.</summary>
    public const string Password = "correct horse battery staple";

    // 600,000 PBKDF2 iterations take a while: one real hash, shared by every account of the run.
    private static readonly Lazy<string> PasswordHash = new(() => new PasswordHashing().Hash(Password));

    private readonly WebApplicationFactory<Program> _factory;
    private readonly string _dataDirectory;

    private ConsoleHost(WebApplicationFactory<Program> factory, string dataDirectory, int brokerPort, Uri baseAddress, int tlsPort)
    {
        _factory = factory;
        _dataDirectory = dataDirectory;
        BrokerPort = brokerPort;
        BaseAddress = baseAddress;
        TlsPort = tlsPort;
    }

    /// <summary>The mutual-TLS MQTT port an enrolled agent connects to.</summary>
    public int TlsPort { get; }

    /// <summary>The plain test-bench MQTT port devices publish to.</summary>
    public int BrokerPort { get; }

    /// <summary>Where the console is served, ending with a slash.</summary>
    public Uri BaseAddress { get; }

    /// <summary>The host's services.</summary>
    public IServiceProvider Services => _factory.Services;

    /// <summary>
    /// Starts the host and returns once the ingestion is subscribed to the broker. Decisions are sent at once
    /// (<c>Fleet:Console:UndoSeconds</c> 0) unless <paramref name="settings"/> say otherwise.
    /// </summary>
    public static async Task<ConsoleHost> StartAsync(IReadOnlyDictionary<string, string>? settings = null, Action<IServiceCollection>? services = null)
    {
        var brokerPort = MosquittoFixture.FreeLoopbackPort();
        var httpPort = MosquittoFixture.FreeLoopbackPort();

        // The mutual-TLS endpoint too: its default (8883) is shared by every test run on the machine.
        var tlsPort = MosquittoFixture.FreeLoopbackPort();
        var dataDirectory = Directory.CreateTempSubdirectory("vsa-console-test-").FullName;
        var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(builder =>
        {
            builder.UseUrls($"http://127.0.0.1:{httpPort}");
            builder.UseSetting("Fleet:Broker:Port", brokerPort.ToString(CultureInfo.InvariantCulture));
            builder.UseSetting("Fleet:Broker:TlsPort", tlsPort.ToString(CultureInfo.InvariantCulture));
            builder.UseSetting("Fleet:Models:DeliveryPort", MosquittoFixture.FreeLoopbackPort().ToString(CultureInfo.InvariantCulture));

            // A test bench: the fake agents and the replayed agent publish as devices on the plain loopback endpoint.
            builder.UseSetting("Fleet:Broker:RequireClientCertificates", "false");
            builder.UseSetting("Fleet:Broker:BenchDevicesMayPublish", "true");
            builder.UseSetting("Fleet:Storage:DataDirectory", dataDirectory);
            builder.UseSetting("Logging:LogLevel:Default", "Warning");
            builder.UseSetting("Fleet:Console:UndoSeconds", "0");
            foreach (var (key, value) in settings ?? new Dictionary<string, string>())
            {
                builder.UseSetting(key, value);
            }

            builder.ConfigureLogging(logging => logging.SetMinimumLevel(LogLevel.Warning));
            if (services is not null)
            {
                builder.ConfigureTestServices(services);
            }
        });
        factory.UseKestrel();
        factory.StartServer();
        var host = new ConsoleHost(factory, dataDirectory, brokerPort, new Uri($"http://127.0.0.1:{httpPort}/"), tlsPort);
        try
        {
            using var guard = new CancellationTokenSource(Timeout);
            await host.Services.GetRequiredService<IngestionState>().WaitUntilAsync(s => s.Subscribed, guard.Token);
            return host;
        }
        catch
        {
            await host.DisposeAsync();
            throw;
        }
    }

    /// <summary>Creates an account of <paramref name="role"/> with <see cref="Password"/>.</summary>
    public async Task<string> CreateAccountAsync(Role role, string name)
    {
        var account = new NewAccount(name, $"Agent {name}", role, Password, "arrêté 2025-001", new DateOnly(2025, 1, 6), new DateOnly(2025, 1, 20));
        var created = await Services.GetRequiredService<AccountStore>().CreateAsync(account, PasswordHash.Value, "test", CancellationToken.None);
        return created?.Name ?? throw new InvalidOperationException($"Account {name} exists.");
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _factory.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_dataDirectory, recursive: true);
    }
}
