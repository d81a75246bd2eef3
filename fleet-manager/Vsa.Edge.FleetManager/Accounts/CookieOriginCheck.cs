namespace Vsa.Edge.FleetManager.Accounts;

/// <summary>
/// Refuses (403, problem details) a state-changing request (any method but GET, HEAD, OPTIONS, TRACE) authenticated by the
/// session cookie unless the browser says it comes from this origin: <c>Sec-Fetch-Site: same-origin</c> (or <c>none</c>, typed
/// by the user), or else an <c>Origin</c> header equal to the request's scheme and host. A request with neither header is
/// refused too: every browser since 2020 sends one of them on such requests, and a script that is not a browser uses an API
/// token, which this check leaves alone (a bearer token is never sent by a browser on its own). SameSite=Strict already keeps
/// the cookie off cross-site requests; this is the second lock, for a sibling site on the same registrable domain.
/// </summary>
public sealed class CookieOriginCheck(RequestDelegate next)
{
    /// <summary>Runs after authentication.</summary>
    public async Task InvokeAsync(HttpContext context, IProblemDetailsService problems)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(problems);
        if (IsSafe(context.Request.Method)
            || context.User.FindFirst(FleetClaims.Method)?.Value != FleetClaims.PasswordMethod
            || IsSameOrigin(context.Request))
        {
            await next(context);
            return;
        }

        context.Response.StatusCode = StatusCodes.Status403Forbidden;
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails =
            {
                Status = StatusCodes.Status403Forbidden,
                Title = "Cross-origin request refused",
                Detail = "A change made with the session cookie must come from the fleet console's own origin (Origin or Sec-Fetch-Site header).",
            },
        });
    }

    /// <summary>Whether the browser's headers say the request comes from the fleet's own origin.</summary>
    public static bool IsSameOrigin(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var site = request.Headers["Sec-Fetch-Site"].ToString();
        if (site.Length > 0)
        {
            return site is "same-origin" or "none";
        }

        var origin = request.Headers.Origin.ToString();
        return origin.Length > 0
            && Uri.TryCreate(origin, UriKind.Absolute, out var uri)
            && string.Equals(uri.Scheme, request.Scheme, StringComparison.OrdinalIgnoreCase)
            && string.Equals(uri.Authority, request.Host.Value, StringComparison.OrdinalIgnoreCase);
    }

    private static bool IsSafe(string method) => HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method) || HttpMethods.IsTrace(method);
}
