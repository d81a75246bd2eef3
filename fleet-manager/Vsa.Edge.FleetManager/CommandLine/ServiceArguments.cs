namespace Vsa.Edge.FleetManager.CommandLine;

/// <summary>
/// The arguments of <c>vsa-fleet</c> when it runs the service: configuration only. The host's command-line configuration
/// silently ignores what it does not understand and takes any <c>--Name value</c> as a key, so a mistyped option
/// (<c>--hlep</c>, <c>--url</c>) would start the service on its defaults. The rule: every argument is a configuration key
/// with a section (<c>--Fleet:Broker:Port 1884</c>, <c>--Logging:LogLevel:Default=Debug</c>, <c>/Fleet:X value</c>), a
/// <c>Key=value</c> or <c>--Key=value</c> pair, or one of the host's own keys without a section (<see cref="HostKeys"/>:
/// <c>--urls</c>, <c>--environment</c>, <c>--contentRoot</c>…); a key written without <c>=</c> takes the next argument as its
/// value. Anything else (<c>--hlep</c>, <c>--url x</c>, <c>-v</c>, a stray word) is a usage error naming the argument.
/// </summary>
internal static class ServiceArguments
{
    /// <summary>The host's (Generic Host and ASP.NET Core) configuration keys that have no section, compared ignoring case.</summary>
    public static readonly IReadOnlySet<string> HostKeys = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        "urls", "http_ports", "https_ports", "environment", "contentRoot", "applicationName", "webroot", "AllowedHosts",
        "detailedErrors", "captureStartupErrors", "shutdownTimeoutSeconds", "suppressStatusMessages", "preventHostingStartup",
        "hostingStartupAssemblies", "hostingStartupExcludeAssemblies", "preferHostingUrls",
    };

    /// <summary>What is wrong with <paramref name="args"/> as the service's arguments, or null when nothing is.</summary>
    public static string? Problem(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        for (var i = 0; i < args.Count; i++)
        {
            var token = args[i];
            var prefix = token.StartsWith("--", StringComparison.Ordinal) ? 2 : token.StartsWith('/') ? 1 : token.StartsWith('-') ? -1 : 0;
            var equals = token.IndexOf('=', StringComparison.Ordinal);
            if (prefix == 0)
            {
                if (equals <= 0)
                {
                    return $"unrecognized argument '{token}' (the service takes configuration: --Section:Key value, Key=value, --urls …)";
                }

                continue;
            }

            // --Key=value names its value: configuration whatever the key (what WebApplicationFactory and UseSetting pass).
            var key = prefix < 0 ? token : token[prefix..(equals >= 0 ? equals : token.Length)];
            if (prefix < 0 || key.Length == 0 || (equals < 0 && !(IsSectionKey(key) || HostKeys.Contains(key))))
            {
                return $"unrecognized option '{token}' (the service takes configuration keys: --Section:Key value, Key=value, or a host key such as --urls, --environment, --contentRoot)";
            }

            if (equals < 0 && ++i >= args.Count)
            {
                return $"option '{token}' needs a value";
            }
        }

        return null;
    }

    // "Fleet:Broker:Port": a section, a colon, a key.
    private static bool IsSectionKey(string key) => key.IndexOf(':', StringComparison.Ordinal) is > 0 and var colon && colon < key.Length - 1;
}
