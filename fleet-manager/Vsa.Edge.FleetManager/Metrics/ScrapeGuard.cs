using System.Net;
using System.Security.Cryptography;
using System.Text;

namespace Vsa.Edge.FleetManager.Metrics;

/// <summary>
/// Who may read the scrape endpoint: a connection from the machine itself (unless <see cref="MetricsOptions.LoopbackWithoutToken"/>
/// is off), or a request with the <see cref="MetricsOptions.ScrapeToken"/> as its bearer token. Everyone else gets 404 when no
/// token is set (the endpoint does not exist for them) and 401 otherwise. The figures name no person and no alert, yet they
/// tell how a city's cameras are doing: not for the internet.
/// </summary>
public static class ScrapeGuard
{
    /// <summary>The status to answer, or null to serve the figures.</summary>
    public static int? Refusal(HttpContext context, MetricsOptions options)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(options);
        // A request forwarded by a reverse proxy on this host arrives from loopback too: it is not "this machine".
        var forwarded = context.Request.Headers.ContainsKey("X-Forwarded-For") || context.Request.Headers.ContainsKey("Forwarded");
        if (options.LoopbackWithoutToken && !forwarded && context.Connection.RemoteIpAddress is { } remote && IPAddress.IsLoopback(remote))
        {
            return null;
        }

        if (options.ScrapeToken is null)
        {
            return StatusCodes.Status404NotFound;
        }

        var header = context.Request.Headers.Authorization.ToString();
        const string Scheme = "Bearer ";
        if (header.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase)
            && CryptographicOperations.FixedTimeEquals(
                SHA256.HashData(Encoding.UTF8.GetBytes(header[Scheme.Length..].Trim())),
                SHA256.HashData(Encoding.UTF8.GetBytes(options.ScrapeToken))))
        {
            return null;
        }

        return StatusCodes.Status401Unauthorized;
    }
}
