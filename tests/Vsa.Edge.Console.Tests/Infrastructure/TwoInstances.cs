using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Vsa.Edge.FleetManager.Live;
using Vsa.Edge.Testing;

namespace Vsa.Edge.Console.Tests.Infrastructure;

/// <summary>
/// One fleet instance of a fleet of several: one PostgreSQL database shared by all, devices on Debian's
/// Mosquitto through one shared subscription, live events fanned out by LISTEN/NOTIFY.
/// </summary>
public static class TwoInstances
{
    /// <summary>Starts an instance and returns once it is subscribed and listens to its peers.</summary>
    public static async Task<ConsoleHost> StartAsync(MosquittoFixture mosquitto, string database, string clientId, IReadOnlyDictionary<string, string>? more = null)
    {
        var host = await ConsoleHost.StartAsync(new Dictionary<string, string>(more ?? new Dictionary<string, string>())
        {
            ["Fleet:Storage:Provider"] = "Postgres",
            ["Fleet:Storage:Postgres"] = database,
            ["Fleet:Broker:Mode"] = "External",
            ["Fleet:Broker:Host"] = mosquitto.Host,
            ["Fleet:Broker:Port"] = mosquitto.Port.ToString(CultureInfo.InvariantCulture),
            ["Fleet:Broker:ClientId"] = $"{clientId}-{Guid.NewGuid():N}",
            ["Fleet:Broker:SharedSubscriptionGroup"] = "vsa-fleet",

            // The console host's test bench is for its embedded broker; Mosquitto takes the devices here.
            ["Fleet:Broker:BenchDevicesMayPublish"] = "false",
            ["Fleet:Broker:RequireClientCertificates"] = "true",
        });
        try
        {
            var fanOut = host.Services.GetRequiredService<PostgresLiveFanOut>();
            await (fanOut.Enabled ? fanOut.Listening : Task.CompletedTask).WaitAsync(ConsoleHost.Timeout);
            return host;
        }
        catch
        {
            await host.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Returns once each instance heard the other on the fan-out channel: an instance sends its events only while another
    /// listens (PostgresLiveFanOut.Presence.cs), and the second instance's hello is answered when it starts.
    /// </summary>
    public static async Task HeardEachOtherAsync(params ConsoleHost[] hosts)
    {
        ArgumentNullException.ThrowIfNull(hosts);
        foreach (var fanOut in hosts.Select(h => h.Services.GetRequiredService<PostgresLiveFanOut>()).Where(f => f.Enabled))
        {
            await fanOut.PeerHeard.WaitAsync(ConsoleHost.Timeout);
        }
    }
}
