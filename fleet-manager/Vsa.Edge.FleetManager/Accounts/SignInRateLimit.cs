using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace Vsa.Edge.FleetManager.Accounts;

/// <summary>ASP.NET Core's rate limiter in front of <c>POST /api/auth/login</c>.</summary>
public static class SignInRateLimit
{
    /// <summary>
    /// Registers the <see cref="FleetAuthentication.SignInRateLimit"/> policy: a token bucket of
    /// <see cref="AccountsOptions.SignInRequestsPerMinute"/> per client address, refilled every minute, no queue. The excess is
    /// answered 429 with <c>Retry-After</c> and problem details before the request body is read. The limiter keeps its own
    /// clock (System.Threading.RateLimiting has no <see cref="TimeProvider"/>); the lockouts, which tests drive, use the injected one.
    /// </summary>
    public static IServiceCollection AddFleetSignInRateLimit(this IServiceCollection services)
    {
        services.AddRateLimiter(_ => { });
        services.AddOptions<RateLimiterOptions>().Configure<IOptions<AccountsOptions>>((limiter, accounts) =>
        {
            var perMinute = accounts.Value.SignInRequestsPerMinute;
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.AddPolicy(FleetAuthentication.SignInRateLimit, http => RateLimitPartition.GetTokenBucketLimiter(
                http.Connection.RemoteIpAddress?.ToString() ?? string.Empty,
                _ => new TokenBucketRateLimiterOptions
                {
                    TokenLimit = perMinute,
                    TokensPerPeriod = perMinute,
                    ReplenishmentPeriod = TimeSpan.FromMinutes(1),
                    QueueLimit = 0,
                    AutoReplenishment = true,
                }));
            limiter.OnRejected = async (context, cancellationToken) =>
            {
                var wait = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter : TimeSpan.FromMinutes(1);
                context.HttpContext.Response.Headers.RetryAfter = Math.Max(1, (long)Math.Ceiling(wait.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
                await context.HttpContext.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
                {
                    HttpContext = context.HttpContext,
                    ProblemDetails = { Status = StatusCodes.Status429TooManyRequests, Title = "Sign-in temporarily refused", Detail = "Too many sign-in requests from this address; try again later." },
                });
            };
        });
        return services;
    }
}
