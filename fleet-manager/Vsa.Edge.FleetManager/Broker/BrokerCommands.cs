using System.Globalization;
using Microsoft.Extensions.Options;
using Vsa.Edge.FleetManager.Storage;
using Vsa.Edge.FleetManager.Trust;

namespace Vsa.Edge.FleetManager.Broker;

/// <summary><c>vsa-fleet broker mosquitto-config</c>: the configuration of an external Mosquitto that enforces device trust.</summary>
public static class BrokerCommands
{
    /// <summary>Usage text.</summary>
    public const string Usage = """
        vsa-fleet broker mosquitto-config --out <dir> [--port 8883] [--bind <address>] [--host <name>]... [--max-packet-size 262144]
                  Writes mosquitto.conf, acl, ca.crt, server.crt and server.key (0600) for a Mosquitto 2.x broker that
                  requires the fleet's device certificates and refuses packets over --max-packet-size bytes (1024 to
                  268435460). Any --Fleet:Section:Key value pair is passed to the configuration.
        """;

    /// <summary>Whether <paramref name="args"/> asks for this command.</summary>
    public static bool IsCommand(string[] args) => args is ["broker", ..];

    /// <summary>Runs the command; exit code 0 done, 2 usage or environment error.</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        if (args is not ["broker", "mosquitto-config", ..])
        {
            await error.WriteLineAsync($"Unknown command '{string.Join(' ', args.Take(2))}'.{Environment.NewLine}{Usage}");
            return 2;
        }

        string? outDir = null;
        string? bind = null;
        var port = 8883;
        var maxPacketSize = BrokerOptions.DefaultMaxPacketSize;
        var hosts = new List<string>();
        var configuration = new List<string>();
        for (var i = 2; i < args.Length; i++)
        {
            var name = args[i];
            if (i + 1 >= args.Length)
            {
                await error.WriteLineAsync($"Option {name} needs a value.{Environment.NewLine}{Usage}");
                return 2;
            }

            var value = args[++i];
            switch (name)
            {
                case "--out": outDir = value; break;
                case "--bind": bind = value; break;
                case "--host": hosts.Add(value); break;
                case "--port" when int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var p) && p is > 0 and < 65536: port = p; break;
                case "--max-packet-size" when int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var m) && m is >= 1024 and <= 268435460: maxPacketSize = m; break;
                case var _ when name.StartsWith("--Fleet:", StringComparison.Ordinal): configuration.AddRange([name, value]); break;
                default:
                    await error.WriteLineAsync($"Unknown option or bad value: {name} {value}.{Environment.NewLine}{Usage}");
                    return 2;
            }
        }

        if (outDir is null)
        {
            await error.WriteLineAsync($"--out is required.{Environment.NewLine}{Usage}");
            return 2;
        }

        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [.. configuration] });
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddOptions<StorageOptions>().BindConfiguration(StorageOptions.SectionName);
        builder.Services.AddFleetTrustServices();
        using var host = builder.Build();
        try
        {
            var authority = host.Services.GetRequiredService<FleetCertificateAuthority>();
            var files = MosquittoConfiguration.Write(new MosquittoSettings(outDir, port, bind, hosts, maxPacketSize), authority);
            await output.WriteLineAsync($"""
                Wrote {files.Configuration}
                  ACL {files.Acl}; CA {files.CaCertificate}; server certificate {files.ServerCertificate} and key {files.ServerKey} (0600)
                  Revocation list: {files.RevocationList} (rewritten by the fleet manager at each revocation; restart Mosquitto after one)
                Run: mosquitto -c {files.Configuration}
                Then start the fleet manager with --Fleet:Broker:Mode External --Fleet:Broker:UseTls true --Fleet:Broker:Host <host> --Fleet:Broker:Port {port}
                """);
            return 0;
        }
        catch (OptionsValidationException ex)
        {
            await error.WriteLineAsync($"Invalid configuration: {ex.Message}");
            return 2;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            await error.WriteLineAsync($"Cannot write the Mosquitto configuration: {ex.Message}");
            return 2;
        }
    }
}
