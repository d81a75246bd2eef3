using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using Vsa.Edge.Agent.Commands;
using Vsa.Edge.Agent.Inference;

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

    public const string Usage =
        "usage: vsa-agent provision setup --camera <camera.json> [--source <rtsp://… | clip to replay>] [--bind localhost|<interface>|<address>] [--port N (0: any free)]\n" +
        "                                 [--out <camera document to write on save>] [--data-dir <agent data folder>] [--model <dir>] [--providers CPU|CUDA,CPU|…]";

    private static readonly string[] Known = ["--camera", "--source", "--bind", "--port", "--out", "--data-dir", "--model", "--providers", "--device-id"];

    public static SetupArguments Parse(IReadOnlyList<string> args)
    {
        var cl = new CommandLineArgs(args, Known);
        var providers = (cl.Get("--providers") ?? $"{ExecutionProviderNames.TensorRt},{ExecutionProviderNames.Cuda},{ExecutionProviderNames.Cpu}")
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return new SetupArguments(
            cl.Require("--camera"),
            cl.Get("--source"),
            cl.Get("--bind") ?? "localhost",
            cl.GetInt("--port", 0, 65535) ?? DefaultPort,
            cl.Get("--out"),
            cl.Get("--data-dir") ?? AgentPaths.DefaultDataDirectory,
            cl.Get("--model") ?? AgentPaths.DefaultModelDirectory,
            providers,
            cl.Get("--device-id") ?? "setup");
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
                ?? throw new UsageException($"option '--bind': no network interface holds the address {address} (use 'localhost', an interface name or one of its addresses)");
            return holder.IsUp ? [address] : throw new UsageException($"option '--bind': interface '{holder.Name}' holding {address} is {holder.Status}, not up");
        }

        var nic = all.FirstOrDefault(n => string.Equals(n.Name, bind, StringComparison.Ordinal))
            ?? throw new UsageException($"option '--bind': no network interface named '{bind}' (use 'localhost', an IP address, or one of: {string.Join(", ", all.Select(n => n.Name))})");
        if (!nic.IsUp)
        {
            throw new UsageException($"option '--bind': interface '{bind}' is {nic.Status}, not up");
        }

        var v4 = nic.Addresses.Where(a => a.AddressFamily == AddressFamily.InterNetwork).ToList();
        return v4.Count > 0 ? v4 : throw new UsageException($"option '--bind': interface '{bind}' has no IPv4 address (to listen on IPv6, give the address itself: --bind <address>)");
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
