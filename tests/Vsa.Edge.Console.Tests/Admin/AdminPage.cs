using Microsoft.Playwright;
using Vsa.Edge.Console.Tests.Infrastructure;

namespace Vsa.Edge.Console.Tests.Admin;

/// <summary>What the admin and audit tests do in the page: calls with the page's own session, and screenshots at both widths.</summary>
internal static class AdminPage
{
    /// <summary>The status of <paramref name="method"/> <paramref name="url"/> sent by the page itself (its cookie, its Origin).</summary>
    public static Task<int> StatusAsync(IPage page, string method, string url, string? json = null) =>
        page.EvaluateAsync<int>(
            "async ([m, u, b]) => (await fetch(u, { method: m, headers: { 'Content-Type': 'application/json' }, body: b ?? undefined })).status",
            new object?[] { method, url, json });

    /// <summary>Screenshots at 1920 px (the wall) and 1280 px (a laptop): <c>{name}-1920.png</c> and <c>{name}-1280.png</c>.</summary>
    public static async Task ScreenshotsAsync(IPage page, string name)
    {
        await ConsolePage.ScreenshotAsync(page, $"{name}-1920.png");
        await page.SetViewportSizeAsync(1280, 800);
        await ConsolePage.ScreenshotAsync(page, $"{name}-1280.png");
        await page.SetViewportSizeAsync(1920, 1080);
    }

    /// <summary>Opens a view by its address, as a bookmarked link would.</summary>
    public static async Task OpenAsync(IPage page, string hash)
    {
        await page.EvaluateAsync("h => { location.hash = h; }", hash);
    }
}
