using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;
using Vsa.Edge.FleetManager.Authorisations;
using Vsa.Edge.FleetManager.Storage;

namespace Vsa.Edge.FleetManager.Register;

/// <summary>
/// The public register: <c>GET /registre</c> (HTML), <c>GET /api/public/register</c> (JSON) and <c>GET /registre.css</c>,
/// without sign-in. They face the internet: no query parameter is read (nothing a visitor sends reaches the page), the
/// answer is built at most once per <see cref="RegisterOptions.CacheDuration"/> and served from memory in between, each
/// client address is rate limited, and the fleet's Content-Security-Policy applies (no script, no inline style).
/// </summary>
public static class RegisterEndpoints
{
    /// <summary>The rate-limiter policy of the register's endpoints.</summary>
    public const string RateLimitPolicy = "public-register";

    /// <summary>Binds and validates <c>Fleet:Register</c>, registers the cache and the rate limit.</summary>
    public static IHostApplicationBuilder AddFleetRegister(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<RegisterOptions>()
            .BindConfiguration(RegisterOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<RegisterOptions>, RegisterOptionsValidator>();
        builder.Services.AddSingleton<CameraDirectory>();
        builder.Services.AddSingleton<PublicRegisterCache>();
        builder.Services.AddHostedService<RegisterStartupCheck>();
        builder.Services.AddOptions<RateLimiterOptions>().Configure<IOptions<RegisterOptions>>((limiter, register) =>
        {
            var perMinute = register.Value.RequestsPerMinute;
            limiter.AddPolicy(RateLimitPolicy, http => RateLimitPartition.GetFixedWindowLimiter(
                http.Connection.RemoteIpAddress?.ToString() ?? string.Empty,
                _ => new FixedWindowRateLimiterOptions { PermitLimit = perMinute, Window = TimeSpan.FromMinutes(1), QueueLimit = 0, AutoReplenishment = true }));
        });
        return builder;
    }

    /// <summary>Maps the three public endpoints.</summary>
    public static IEndpointRouteBuilder MapRegister(this IEndpointRouteBuilder app)
    {
        app.MapGet("/registre", async (HttpContext http, PublicRegisterCache cache, CancellationToken cancellationToken) =>
            Serve(http, await cache.GetAsync(cancellationToken), c => c.Html, "text/html; charset=utf-8"))
            .AllowAnonymous().RequireRateLimiting(RateLimitPolicy).WithName("PublicRegisterPage").ExcludeFromDescription();
        app.MapGet("/api/public/register", async (HttpContext http, PublicRegisterCache cache, CancellationToken cancellationToken) =>
            Serve(http, await cache.GetAsync(cancellationToken), c => c.Json, "application/json; charset=utf-8"))
            .AllowAnonymous().RequireRateLimiting(RateLimitPolicy).WithName("PublicRegister");
        app.MapGet(RegisterPage.StylesheetPath, (HttpContext http) =>
            {
                http.Response.Headers.CacheControl = "public, max-age=86400";
                return TypedResults.Bytes(Encoding.UTF8.GetBytes(RegisterPage.Stylesheet), "text/css; charset=utf-8");
            })
            .AllowAnonymous().RequireRateLimiting(RateLimitPolicy).ExcludeFromDescription();
        return app;
    }

    private static Microsoft.AspNetCore.Http.HttpResults.FileContentHttpResult Serve(HttpContext http, PublicRegisterCache.Entry entry, Func<PublicRegisterCache.Entry, byte[]> body, string contentType)
    {
        http.Response.Headers.CacheControl = string.Create(CultureInfo.InvariantCulture, $"public, max-age={(int)entry.MaxAge.TotalSeconds}");
        return TypedResults.Bytes(body(entry), contentType);
    }
}

/// <summary>
/// The register, built at most once per <see cref="RegisterOptions.CacheDuration"/> (one builder at a time: a burst of
/// requests waits for the one read instead of each reading the database).
/// </summary>
public sealed class PublicRegisterCache(
    AuthorisationStore authorisations,
    CameraDirectory cameras,
    IOptions<RegisterOptions> register,
    IOptions<RetentionOptions> retention,
    TimeProvider timeProvider,
    Suspensions.ISuspensionReader suspensions) : IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private Entry? _current;

    /// <summary>A built register: the model, its page and its JSON.</summary>
    /// <param name="Register">The model.</param>
    /// <param name="Html">The page, UTF-8.</param>
    /// <param name="Json">The JSON, UTF-8.</param>
    /// <param name="BuiltAt">When it was built.</param>
    /// <param name="MaxAge">How long it is served.</param>
    public sealed record Entry(PublicRegister Register, byte[] Html, byte[] Json, DateTimeOffset BuiltAt, TimeSpan MaxAge);

    /// <inheritdoc />
    public void Dispose() => _gate.Dispose();

    /// <summary>The current register, rebuilt when older than the cache duration.</summary>
    public async Task<Entry> GetAsync(CancellationToken cancellationToken)
    {
        var maxAge = register.Value.CacheDuration;
        if (_current is { } fresh && timeProvider.GetUtcNow() - fresh.BuiltAt < maxAge)
        {
            return fresh;
        }

        await _gate.WaitAsync(cancellationToken);
        try
        {
            var now = timeProvider.GetUtcNow();
            if (_current is { } again && now - again.BuiltAt < maxAge)
            {
                return again;
            }

            var all = await authorisations.ListAsync(cancellationToken);
            var known = await cameras.LoadAsync(all.SelectMany(a => a.Cameras).Select(c => c.DeviceId), cancellationToken);
            var suspended = await CameraSuspensions.LoadAsync(suspensions, all.Where(a => a.EndsAt > now).SelectMany(a => a.Cameras).Select(c => (c.DeviceId, c.CameraId)), cancellationToken);
            var model = PublicRegisterBuilder.Build(all, known, suspended, register.Value, retention.Value, now);
            var zone = TimeZoneInfo.FindSystemTimeZoneById(register.Value.TimeZone);
            _current = new Entry(
                model,
                Encoding.UTF8.GetBytes(RegisterPage.Render(model, zone)),
                JsonSerializer.SerializeToUtf8Bytes(model, RegisterJsonContext.Default.PublicRegister),
                now,
                maxAge);
            return _current;
        }
        finally
        {
            _gate.Release();
        }
    }
}

/// <summary>Source-generated JSON of the register (camelCase, like the API).</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, WriteIndented = false)]
[JsonSerializable(typeof(PublicRegister))]
internal sealed partial class RegisterJsonContext : JsonSerializerContext;
