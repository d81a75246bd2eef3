using Microsoft.Playwright;

namespace Vsa.Edge.Console.Tests.Infrastructure;

/// <summary>
/// One headless Debian chromium for the test run (<c>./vsa test</c> installs the <c>chromium</c> package). Playwright's own
/// browser download is never used: the executable is named, and nothing is installed at run time.
/// </summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    /// <summary>Debian's chromium.</summary>
    public const string ChromiumPath = "/usr/bin/chromium";

    private IPlaywright? _playwright;

    /// <summary>The browser.</summary>
    public IBrowser Browser { get; private set; } = null!;

    /// <summary>Where screenshots go (under the test output folder).</summary>
    public static string ScreenshotDirectory { get; } = Directory.CreateDirectory(Path.Combine(AppContext.BaseDirectory, "screenshots")).FullName;

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        if (!File.Exists(ChromiumPath))
        {
            throw new InvalidOperationException($"{ChromiumPath} does not exist: install Debian's chromium ('apt-get install -y chromium', which ./vsa test does).");
        }

        Environment.SetEnvironmentVariable("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
        Assertions.SetDefaultExpectTimeout((float)ConsoleHost.Timeout.TotalMilliseconds);
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
            Env = FrenchEnvironment(),
        });
    }

    // The context's Locale sets navigator.language and Intl; the native date fields follow the browser's own interface
    // language instead, which chromium on Linux takes from LANGUAGE/LANG (not --lang), and only when Debian's
    // chromium-l10n package provides fr.pak (without it they stay mm/dd/yyyy). Playwright's Env replaces the whole
    // environment, hence the copy.
    private static Dictionary<string, string> FrenchEnvironment()
    {
        var environment = Environment.GetEnvironmentVariables().Cast<System.Collections.DictionaryEntry>()
            .ToDictionary(e => (string)e.Key, e => (string?)e.Value ?? string.Empty, StringComparer.Ordinal);
        environment["LANGUAGE"] = "fr";
        environment["LANG"] = "fr_FR.UTF-8";
        return environment;
    }

    /// <summary>A new page in its own context (own cookies and local storage), sized like a CSU workstation.</summary>
    public async Task<IPage> NewPageAsync(int width = 1920, int height = 1080)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions { Locale = "fr-FR", TimezoneId = "Europe/Paris", ViewportSize = new ViewportSize { Width = width, Height = height } });
        context.SetDefaultTimeout((float)ConsoleHost.Timeout.TotalMilliseconds);
        return await context.NewPageAsync();
    }

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.CloseAsync();
        }

        _playwright?.Dispose();
    }
}

/// <summary>Every browser test shares the one browser.</summary>
[CollectionDefinition(Name)]
public sealed class BrowserCollection : ICollectionFixture<BrowserFixture>
{
    /// <summary>Collection name.</summary>
    public const string Name = "browser";
}

/// <summary>What the tests do in the console page.</summary>
public static class ConsolePage
{
    /// <summary>Opens the console and signs in through its form; returns once the live stream has delivered its first event.</summary>
    public static async Task SignInAsync(IPage page, ConsoleHost host, string name)
    {
        await page.GotoAsync(host.BaseAddress.ToString());
        await page.Locator("#login-name").FillAsync(name);
        await page.Locator("#login-password").FillAsync(ConsoleHost.Password);
        await page.Locator("#login button[type=submit]").ClickAsync();
        await Assertions.Expect(page.Locator("#broker")).ToHaveClassAsync(new System.Text.RegularExpressions.Regex("\\bup\\b"));

        // The history, sites and claims loaded once the stream was up: until then a render may still rewrite every row.
        await Assertions.Expect(page.Locator("body")).ToHaveAttributeAsync("data-synced", "1");
    }

    /// <summary>The queue row of an alert.</summary>
    public static ILocator Row(IPage page, string alertId) => page.Locator($"#queue tbody tr[data-alert-id='{alertId}']");

    /// <summary>The queue's visible rows (incidents, single alerts, expanded members), in order.</summary>
    public static ILocator VisibleRows(IPage page) => page.Locator("#queue tbody tr:not([hidden])");

    /// <summary>Waits until the last decision has left the browser and the fleet answered ("Décision envoyée").</summary>
    public static Task DecisionSentAsync(IPage page) =>
        Microsoft.Playwright.Assertions.Expect(page.Locator("#undo-bar")).ToHaveAttributeAsync("data-state", "sent");

    /// <summary>Saves a screenshot under <see cref="BrowserFixture.ScreenshotDirectory"/>, once the new-alert flashes have ended.</summary>
    public static async Task ScreenshotAsync(IPage page, string name)
    {
        await page.WaitForFunctionAsync("() => document.getAnimations().length === 0");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserFixture.ScreenshotDirectory, name), FullPage = false });
    }
}
