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
        "usage: vsa-agent provision setup --camera <camera.json> [--source <rtsp://… | clip to replay>] [--bind localhost|<interface>] [--port N (0: any free)]\n" +
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
    /// The addresses to listen on: the loopback ones for <c>localhost</c> (the installer tunnels with <c>ssh -L</c>),
    /// otherwise the unicast addresses of the named network interface; never every interface.
    /// </summary>
    public static IReadOnlyList<IPAddress> ResolveBind(string bind, IEnumerable<NetworkInterface> interfaces)
    {
        ArgumentNullException.ThrowIfNull(interfaces);
        if (string.Equals(bind, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            return [IPAddress.Loopback];
        }

        var nic = interfaces.FirstOrDefault(n => string.Equals(n.Name, bind, StringComparison.Ordinal))
            ?? throw new UsageException($"option '--bind': no network interface named '{bind}' (use 'localhost' or one of: {string.Join(", ", interfaces.Select(n => n.Name))})");
        if (nic.OperationalStatus != OperationalStatus.Up)
        {
            throw new UsageException($"option '--bind': interface '{bind}' is {nic.OperationalStatus}, not up");
        }

        var addresses = nic.GetIPProperties().UnicastAddresses
            .Select(a => a.Address)
            .Where(a => a.AddressFamily == AddressFamily.InterNetwork || (a.AddressFamily == AddressFamily.InterNetworkV6 && !a.IsIPv6LinkLocal))
            .ToList();
        return addresses.Count > 0 ? addresses : throw new UsageException($"option '--bind': interface '{bind}' has no usable IP address");
    }
}
