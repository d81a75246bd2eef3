using System.CommandLine;
using Vsa.Edge.CommandLine;
using Vsa.Edge.FleetManager.CommandLine;
using Microsoft.Extensions.Options;
using Vsa.Edge.FleetManager.Storage;
using Vsa.Edge.FleetManager.Trust;

namespace Vsa.Edge.FleetManager.Broker;

/// <summary><c>vsa-fleet broker mosquitto-config</c>: the configuration of an external Mosquitto that enforces device trust.</summary>
public static class BrokerCommands
{
    /// <summary><c>vsa-fleet broker mosquitto-config</c>.</summary>
    internal static Command Create(FleetConsole console)
    {
        var outDir = new Option<string>("--out") { Description = "The folder to write the files to", HelpName = "dir", Required = true };
        var port = CliOptions.IntIn("--port", 1, 65535, "The broker's TLS port");
        port.DefaultValueFactory = _ => 8883;
        var bind = new Option<string>("--bind") { Description = "The address to listen on (default: every address)", HelpName = "address" };
        var hosts = new Option<string[]>("--host") { Description = "A name of the broker in its server certificate (repeat for more)", HelpName = "name" };
        var maxPacketSize = CliOptions.IntIn("--max-packet-size", 1024, 268435460, "Packets larger than this many bytes are refused");
        maxPacketSize.DefaultValueFactory = _ => BrokerOptions.DefaultMaxPacketSize;
        // Each value goes into mosquitto.conf (one setting a line) or into the server certificate: a line break would add
        // settings of the caller's choosing, a name longer than DNS allows would fail deep in the certificate builder.
        outDir.Validators.Add(r => CheckEach(r, "--out", v => !v.Any(char.IsControl), "a folder path without control characters (line breaks, tabs)"));
        bind.Validators.Add(r => CheckEach(r, "--bind", IsHostOrAddress, "an IP address or a host name (letters, digits, '-', '.'; at most 253 characters)"));
        hosts.Validators.Add(r => CheckEach(r, "--host", IsHostOrAddress, "an IP address or a DNS name (letters, digits, '-', '.'; at most 253 characters)"));
        var mosquitto = new Command("mosquitto-config", $"""
            Write mosquitto.conf, acl, ca.crt, server.crt and server.key (0600) for a Mosquitto 2.x broker that requires the
            fleet's device certificates. The fleet CA is the service's (created in its data folder, by default ./data, if
            there is none yet; the path is printed): run the fleet manager on the same data folder. {CliConfigurationArguments.Help}
            """) { outDir, port, bind, hosts, maxPacketSize };
        mosquitto.AcceptingConfiguration();
        mosquitto.SetAction(FleetCommandLine.UsageChecked(console.Error, (r, _) => RunAsync(
            new MosquittoSettings(r.GetRequiredValue(outDir), r.GetValue(port) ?? 8883, r.GetValue(bind), r.GetValue(hosts) ?? [], r.GetValue(maxPacketSize) ?? BrokerOptions.DefaultMaxPacketSize),
            CliConfigurationArguments.Read(r), console.Output, console.Error)));
        return new Command("broker", "An external broker that enforces device trust.") { mosquitto };
    }

    /// <summary>Runs the command; exit code 0 done, 2 usage or environment error.</summary>
    private static async Task<int> RunAsync(MosquittoSettings settings, IReadOnlyList<string> configuration, TextWriter output, TextWriter error)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [.. configuration] });
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddOptions<StorageOptions>().BindConfiguration(StorageOptions.SectionName);
        builder.Services.AddFleetTrustServices();
        using var host = builder.Build();
        try
        {
            var authority = host.Services.GetRequiredService<FleetCertificateAuthority>();
            var caExisted = File.Exists(authority.CaCertificatePath);
            var files = MosquittoConfiguration.Write(settings, authority);
            await output.WriteLineAsync(caExisted
                ? $"Fleet CA: {authority.Directory} (existing)"
                : $"Fleet CA: created in {authority.Directory} (the fleet manager must run on this data folder, --Fleet:Storage:DataDirectory, to issue device certificates the broker trusts)");
            await output.WriteLineAsync($"""
                Wrote {files.Configuration}
                  ACL {files.Acl}; CA {files.CaCertificate}; server certificate {files.ServerCertificate} and key {files.ServerKey} (0600)
                  Revocation list: {files.RevocationList} (rewritten by the fleet manager at each revocation; restart Mosquitto after one)
                Run: mosquitto -c {files.Configuration}
                Then start the fleet manager with --Fleet:Broker:Mode External --Fleet:Broker:UseTls true --Fleet:Broker:Host <host> --Fleet:Broker:Port {settings.Port}
                """);
            return 0;
        }
        catch (OptionsValidationException ex)
        {
            await error.WriteLineAsync($"Invalid configuration: {ex.Message}");
            return 2;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidOperationException or ArgumentException)
        {
            await error.WriteLineAsync($"Cannot write the Mosquitto configuration: {ex.Message}");
            return 2;
        }
    }

    /// <summary>An IP address, or a DNS name: labels of letters, digits and '-' (1 to 63 characters), 253 characters at most.</summary>
    internal static bool IsHostOrAddress(string value) =>
        !value.Any(char.IsControl) && (System.Net.IPAddress.TryParse(value, out _)
        || (value.Length is > 0 and <= 253 && value.Split('.').All(label =>
            label.Length is > 0 and <= 63 && label[0] != '-' && label[^1] != '-' && label.All(c => char.IsAsciiLetterOrDigit(c) || c == '-'))));

    private static void CheckEach(System.CommandLine.Parsing.OptionResult result, string name, Func<string, bool> valid, string expected)
    {
        foreach (var token in result.Tokens)
        {
            if (!valid(token.Value))
            {
                var shown = token.Value.Length > 80 ? $"{token.Value[..80]}… ({token.Value.Length} characters)" : token.Value;
                result.AddError($"option '{name}' must be {expected}, not '{shown.ReplaceLineEndings("\\n")}'");
                return;
            }
        }
    }
}
