namespace Vsa.Edge.Models.Conversion;

/// <summary>The graph cannot be converted; the message names the node and the op.</summary>
public sealed class ConversionException : Exception
{
    public ConversionException()
    {
    }

    public ConversionException(string message)
        : base(message)
    {
    }

    public ConversionException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
