using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace Vsa.Edge.FleetManager.Tests.Infrastructure;

/// <summary>
/// The test server has no sockets, so every request comes from no address. This filter plays the network: a request with
/// <see cref="Header"/> arrives from that address, as if from another machine. Registered only by the tests that need it.
/// </summary>
public sealed class TestRemoteAddress : IStartupFilter
{
    /// <summary>The header naming the client address.</summary>
    public const string Header = "X-Test-Remote-Address";

    /// <summary>Registers the filter.</summary>
    public static void Register(IServiceCollection services) => services.AddSingleton<IStartupFilter, TestRemoteAddress>();

    /// <summary>A client of <paramref name="fleet"/> that comes from <paramref name="address"/>, with the console's Origin.</summary>
    public static HttpClient Client(FleetApp fleet, string address)
    {
        var client = fleet.CreateBrowserClient();
        client.DefaultRequestHeaders.Add(Header, address);
        return client;
    }

    /// <inheritdoc />
    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.Use((context, nextMiddleware) =>
        {
            if (context.Request.Headers.TryGetValue(Header, out var value) && IPAddress.TryParse(value.ToString(), out var address))
            {
                context.Connection.RemoteIpAddress = address;
            }

            return nextMiddleware(context);
        });
        next(app);
    };
}
