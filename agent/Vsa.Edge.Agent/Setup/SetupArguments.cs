using System.CommandLine;
using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using Vsa.Edge.Agent.Commands;
using Vsa.Edge.CommandLine;

namespace Vsa.Edge.Agent.Setup;

/// <summary>The options of <c>vsa-agent provision setup</c>.</summary>
internal sealed record SetupArguments(
    string Camera,
    string? Source,
    string Bind,
    int Port,
    string? Out,
    string DataDirectory,
    string ModelDirectory,
    string[] Providers,
    string DeviceId)
{
    /// <summary>Default port (an unprivileged one; the installer forwards it with <c>ssh -L 8443:localhost:8443</c>).</summary>
    public const int DefaultPort = 8443;

    /// <summary>The <c>provision setup</c> command: its options, and <paramref name="run"/> with the parsed arguments.</summary>
    public static Command Definition(Func<SetupArguments, CancellationToken, Task<int>> run)
    {
        var camera = CliOptions.Required("--camera", "the camera document to set up");
        camera.HelpName = "camera.json";
        var source = new Option<string>("--source") { Description = "the camera to show (default: the document's source), or a clip to replay", HelpName = "rtsp://… | clip" };
        var bind = new Option<string>("--bind") { Description = "where the page listens: localhost (through ssh -L), an interface's IPv4 addresses, or one address", HelpName = "localhost|interface|address", DefaultValueFactory = _ => "localhost" };
        var port = CliOptions.IntIn("--port", 0, 65535, "the page's port (0: any free one)");
        port.DefaultValueFactory = _ => DefaultPort;
        var output = new Option<string>("--out") { Description = "also write the saved camera document here (it always goes to {data-dir}/proposals/{cameraId}.json)", HelpName = "camera.json" };
        var dataDirectory = AgentCliOptions.DataDirectory();
        var model = AgentCliOptions.ModelDirectory();
        var providers = AgentCliOptions.Providers(checkNames: false);
        var deviceId = new Option<string>("--device-id") { Description = "the device id the preview's rules run as", HelpName = "id", DefaultValueFactory = _ => "setup" };
        return AgentCommandLine.Define(
            "setup",
            "Serve the installer's set-up page for one camera (zones, lines, preview) until Ctrl+C.",
            [camera, source, bind, port, output, dataDirectory, model, providers, deviceId],
            r => new SetupArguments(
                r.GetValue(camera)!,
                r.GetValue(source),
                r.GetValue(bind)!,
                r.GetValue(port) ?? DefaultPort,
                r.GetValue(output),
                r.GetValue(dataDirectory)!,
                r.GetValue(model)!,
                r.GetValue(providers)!,
                r.GetValue(deviceId)!),
            run);
    }

    /// <summary>
    /// The addresses to listen on, only those the installer asked for: the loopback one for <c>localhost</c> (the installer
    /// tunnels with <c>ssh -L</c>); for an interface's name its IPv4 addresses only (a global IPv6 address of the same
    /// interface is reachable from the whole routed network, far beyond the installer's cable: it is never taken unasked);
    /// for an IP address (IPv4 or IPv6) that address alone, if an interface that is up holds it. Never every interface.
    /// </summary>
    public static IReadOnlyList<IPAddress> ResolveBind(string bind, IEnumerable<NetworkInterface> interfaces) =>
        ResolveBind(bind, interfaces.Select(BindableInterface.From));

    /// <inheritdoc cref="ResolveBind(string, IEnumerable{NetworkInterface})"/>
    public static IReadOnlyList<IPAddress> ResolveBind(string bind, IEnumerable<BindableInterface> interfaces)
    {
        ArgumentNullException.ThrowIfNull(interfaces);
        var all = interfaces.ToList();
        if (string.Equals(bind, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            return [IPAddress.Loopback];
        }

        if (IPAddress.TryParse(bind, out var address))
        {
            if (IPAddress.IsLoopback(address))
            {
                return [address];
            }

            var holder = all.FirstOrDefault(n => n.Addresses.Any(a => a.Equals(address)))
                ?? throw new CliUsageException($"option '--bind': no network interface holds the address {address} (use 'localhost', an interface name or one of its addresses)");
            return holder.IsUp ? [address] : throw new CliUsageException($"option '--bind': interface '{holder.Name}' holding {address} is {holder.Status}, not up");
        }

        var nic = all.FirstOrDefault(n => string.Equals(n.Name, bind, StringComparison.Ordinal))
            ?? throw new CliUsageException($"option '--bind': no network interface named '{bind}' (use 'localhost', an IP address, or one of: {string.Join(", ", all.Select(n => n.Name))})");
        if (!nic.IsUp)
        {
            throw new CliUsageException($"option '--bind': interface '{bind}' is {nic.Status}, not up");
        }

        var v4 = nic.Addresses.Where(a => a.AddressFamily == AddressFamily.InterNetwork).ToList();
        return v4.Count > 0 ? v4 : throw new CliUsageException($"option '--bind': interface '{bind}' has no IPv4 address (to listen on IPv6, give the address itself: --bind <address>)");
    }
}

/// <summary>What <see cref="SetupArguments.ResolveBind(string, IEnumerable{BindableInterface})"/> needs of a network interface.</summary>
/// <param name="Name">The interface's name (<c>eth0</c>).</param>
/// <param name="IsUp">Whether it is up.</param>
/// <param name="Status">Its state, for the error.</param>
/// <param name="Addresses">Its unicast addresses.</param>
internal sealed record BindableInterface(string Name, bool IsUp, string Status, IReadOnlyList<IPAddress> Addresses)
{
    public static BindableInterface From(NetworkInterface nic)
    {
        ArgumentNullException.ThrowIfNull(nic);
        return new(nic.Name, nic.OperationalStatus == OperationalStatus.Up, nic.OperationalStatus.ToString(), [.. nic.GetIPProperties().UnicastAddresses.Select(a => a.Address)]);
    }
}
