namespace Vsa.Edge.FleetManager.Api;

/// <summary>
/// Headers on every response, the console's pages and the API's answers alike: a Content-Security-Policy that lets the
/// console load only its own files (no inline script or style, no eval, no framing: <c>frame-ancestors 'none'</c>, plus
/// <c>X-Frame-Options: DENY</c> for older browsers), <c>X-Content-Type-Options: nosniff</c> and <c>Referrer-Policy: no-referrer</c>
/// (an alert id in a URL does not leave the console).
/// </summary>
public static class SecurityHeaders
{
    /// <summary>The policy. <c>default-src 'self'</c> covers scripts, styles, images, fetch and the live stream.</summary>
    public const string ContentSecurityPolicy = "default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'; object-src 'none'";

    /// <summary>Adds the headers as the response starts (after the exception handler, which clears headers, has run).</summary>
    public static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app) => app.Use((context, next) =>
    {
        context.Response.OnStarting(static state =>
        {
            var headers = ((HttpResponse)state).Headers;
            headers.ContentSecurityPolicy = ContentSecurityPolicy;
            headers.XContentTypeOptions = "nosniff";
            headers.XFrameOptions = "DENY";
            headers["Referrer-Policy"] = "no-referrer";
            return Task.CompletedTask;
        }, context.Response);
        return next(context);
    });
}
