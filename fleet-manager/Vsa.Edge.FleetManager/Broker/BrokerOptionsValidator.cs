using System.Net;
using Microsoft.Extensions.Options;

namespace Vsa.Edge.FleetManager.Broker;

/// <summary>Cross-field rules the data annotations cannot express.</summary>
public sealed class BrokerOptionsValidator : IValidateOptions<BrokerOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, BrokerOptions options)
    {
        var failures = new List<string>();
        if (!Enum.IsDefined(options.Mode))
        {
            failures.Add($"{BrokerOptions.SectionName}:Mode must be Embedded or External.");
        }

        if (options.Mode == BrokerMode.External && string.IsNullOrWhiteSpace(options.Host))
        {
            failures.Add($"{BrokerOptions.SectionName}:Host is required when {BrokerOptions.SectionName}:Mode is External.");
        }

        var bindAddress = options.Mode == BrokerMode.Embedded && IPAddress.TryParse(options.BindAddress, out var parsed) ? parsed : null;
        if (options.Mode == BrokerMode.Embedded && bindAddress is null)
        {
            failures.Add($"{BrokerOptions.SectionName}:BindAddress '{options.BindAddress}' is not an IP address (use 127.0.0.1, 0.0.0.0 or ::).");
        }
        else if (bindAddress is not null && !IPAddress.IsLoopback(bindAddress) && !options.RequireClientCertificates)
        {
            // The plain endpoint is a test bench on the fleet machine; it never listens on a network.
            failures.Add($"{BrokerOptions.SectionName}:BindAddress '{options.BindAddress}' is not a loopback address while {BrokerOptions.SectionName}:RequireClientCertificates is false: " +
                "the plain test-bench endpoint listens on the loopback only. " +
                $"Keep {BrokerOptions.SectionName}:RequireClientCertificates=true (the default: devices enrol and connect with mutual TLS), or keep BindAddress on 127.0.0.1 or ::1 for a bench.");
        }

        if (options.BenchDevicesMayPublish && !options.OpensPlainPort)
        {
            failures.Add($"{BrokerOptions.SectionName}:BenchDevicesMayPublish is for the embedded broker's plain test-bench endpoint: it needs Mode Embedded and {BrokerOptions.SectionName}:RequireClientCertificates=false.");
        }

        if (options.OpensPlainPort && options.TlsPort == options.Port)
        {
            failures.Add($"{BrokerOptions.SectionName}:TlsPort and Port must differ ({options.Port}).");
        }

        if (options.ReconnectMaxDelay < options.ReconnectMinDelay)
        {
            failures.Add($"{BrokerOptions.SectionName}:ReconnectMaxDelay must not be shorter than ReconnectMinDelay.");
        }

        if (options.SharedSubscriptionGroup is { } group)
        {
            if (options.Mode != BrokerMode.External)
            {
                failures.Add($"{BrokerOptions.SectionName}:SharedSubscriptionGroup needs Mode External: the embedded broker serves one fleet manager and has no shared subscriptions.");
            }
            else if (group.Length == 0 || group.AsSpan().IndexOfAny("/+#") >= 0)
            {
                failures.Add($"{BrokerOptions.SectionName}:SharedSubscriptionGroup '{group}' must be a non-empty name without '/', '+' or '#'.");
            }
        }

        if (!string.IsNullOrEmpty(options.Password) && string.IsNullOrEmpty(options.Username))
        {
            failures.Add($"{BrokerOptions.SectionName}:Password is set without a Username.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
