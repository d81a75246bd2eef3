using System.Globalization;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace Vsa.Edge.Agent.Tests.Gpio;

/// <summary>
/// Where the real-driver contract tests find their hardware: a GPIO chip and a jumper between two of its lines,
/// named by <c>VSA_GPIO_LOOPBACK=chip:output:input</c> (for example <c>0:105:106</c> on a Jetson header).
/// </summary>
internal static class GpioHardware
{
    public const string Variable = "VSA_GPIO_LOOPBACK";

    public static (int Chip, int Output, int Input)? Loopback
    {
        get
        {
            var parts = Environment.GetEnvironmentVariable(Variable)?.Split(':');
            return parts is { Length: 3 }
                && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var chip)
                && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var output)
                && int.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var input)
                ? (chip, output, input)
                : null;
        }
    }

    /// <summary>Why the hardware tests cannot run here, or null when they can.</summary>
    public static string? SkipReason =>
        !Directory.Exists("/dev") || Directory.GetFiles("/dev", "gpiochip*").Length == 0
            ? "hardware test: no /dev/gpiochip* on this machine"
            : Loopback is null
                ? $"hardware test: set {Variable}=chip:output:input with a jumper between the two lines"
                : null;
}

/// <summary>Marks a contract-test class that drives real hardware: its tests are skipped, with the reason, where there is none.</summary>
[AttributeUsage(AttributeTargets.Class)]
internal sealed class RequiresGpioHardwareAttribute : Attribute;

/// <summary>A contract test: runs for every driver, skipped for a <see cref="RequiresGpioHardwareAttribute"/> class without hardware.</summary>
[XunitTestCaseDiscoverer("Vsa.Edge.Agent.Tests.Gpio.ContractFactDiscoverer", "Vsa.Edge.Agent.Tests")]
[AttributeUsage(AttributeTargets.Method)]
public sealed class ContractFactAttribute : FactAttribute;

/// <summary>Discovers <see cref="ContractFactAttribute"/> tests, deciding per concrete class whether they are skipped.</summary>
public sealed class ContractFactDiscoverer(IMessageSink diagnosticMessageSink) : IXunitTestCaseDiscoverer
{
    public IEnumerable<IXunitTestCase> Discover(ITestFrameworkDiscoveryOptions discoveryOptions, ITestMethod testMethod, IAttributeInfo factAttribute)
    {
        ArgumentNullException.ThrowIfNull(testMethod);
        var needsHardware = testMethod.TestClass.Class.GetCustomAttributes(typeof(RequiresGpioHardwareAttribute).AssemblyQualifiedName).Any();
        yield return new SkippableTestCase(
            diagnosticMessageSink, discoveryOptions.MethodDisplayOrDefault(), discoveryOptions.MethodDisplayOptionsOrDefault(), testMethod, needsHardware ? GpioHardware.SkipReason : null);
    }
}

/// <summary>An xunit test case with a skip reason decided at discovery.</summary>
public sealed class SkippableTestCase : XunitTestCase
{
    private string? _skipReason;

    [Obsolete("For the xunit de-serializer only.", error: true)]
    public SkippableTestCase()
    {
    }

    public SkippableTestCase(IMessageSink sink, TestMethodDisplay display, TestMethodDisplayOptions options, ITestMethod method, string? skipReason)
        : base(sink, display, options, method)
    {
        _skipReason = skipReason;
    }

    public override void Serialize(IXunitSerializationInfo data)
    {
        ArgumentNullException.ThrowIfNull(data);
        base.Serialize(data);
        data.AddValue("SkipReason", _skipReason);
    }

    public override void Deserialize(IXunitSerializationInfo data)
    {
        ArgumentNullException.ThrowIfNull(data);

        // Before the base: it may initialise the test case, which asks GetSkipReason.
        _skipReason = data.GetValue<string>("SkipReason");
        base.Deserialize(data);
    }

    protected override string GetSkipReason(IAttributeInfo factAttribute) => _skipReason ?? base.GetSkipReason(factAttribute);
}
