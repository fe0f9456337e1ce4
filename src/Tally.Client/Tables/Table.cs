namespace Tally.Client.Tables;

/// <summary>What a column holds: <see cref="long"/>, <see cref="decimal"/>, <see cref="string"/>, <see cref="DateOnly"/> or a UTC <see cref="DateTime"/>.</summary>
public enum ColumnType
{
    /// <summary>A count or an id (<see cref="long"/>).</summary>
    WholeNumber,

    /// <summary>An average or a ratio (<see cref="decimal"/>).</summary>
    DecimalNumber,

    /// <summary>A name (<see cref="string"/>).</summary>
    Text,

    /// <summary>A calendar day in the company's time zone (<see cref="DateOnly"/>).</summary>
    Date,

    /// <summary>A UTC instant (<see cref="DateTime"/>).</summary>
    Timestamp,
}

/// <summary>A named, typed column.</summary>
public sealed record Column(string Name, ColumnType Type);

/// <summary>
/// A flat table, the shape every export takes: typed columns, then rows of values in column order, where
/// <c>null</c> is an empty cell. What pandas would call a data frame, without pandas.
/// </summary>
public sealed class Table
{
    private readonly List<object?[]> _rows = [];

    /// <summary>Creates an empty table with these columns.</summary>
    public Table(string name, IReadOnlyList<Column> columns)
    {
        Name = name;
        Columns = columns;
    }

    /// <summary>What the table is (a report's name, or <c>all</c>).</summary>
    public string Name { get; }

    /// <summary>The columns, in order.</summary>
    public IReadOnlyList<Column> Columns { get; }

    /// <summary>The rows, each with one value per column.</summary>
    public IReadOnlyList<object?[]> Rows => _rows;

    /// <summary>Adds a row; it must have one value per column, of the column's type or null.</summary>
    public void Add(params object?[] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Length != Columns.Count)
        {
            throw new ArgumentException($"Table {Name} has {Columns.Count} columns; a row of {values.Length} values does not fit.", nameof(values));
        }

        for (var i = 0; i < values.Length; i++)
        {
            if (values[i] is { } value && !Fits(Columns[i].Type, value))
            {
                throw new ArgumentException($"Column {Columns[i].Name} of table {Name} holds {Columns[i].Type} values, not {value.GetType().Name}.", nameof(values));
            }
        }

        _rows.Add(values);
    }

    /// <summary>
    /// This table without the column called <paramref name="name"/> when it holds no value in any row (a day's
    /// <c>end_date</c>), else this table.
    /// </summary>
    public Table WithoutEmptyColumn(string name)
    {
        var index = IndexOf(name);
        if (index < 0 || _rows.Any(row => row[index] is not null))
        {
            return this;
        }

        var table = new Table(Name, [.. Columns.Where((_, i) => i != index)]);
        foreach (var row in _rows)
        {
            table._rows.Add([.. row.Where((_, i) => i != index)]);
        }

        return table;
    }

    /// <summary>The index of the column called <paramref name="name"/>, or -1.</summary>
    public int IndexOf(string name)
    {
        for (var i = 0; i < Columns.Count; i++)
        {
            if (Columns[i].Name == name)
            {
                return i;
            }
        }

        return -1;
    }

    private static bool Fits(ColumnType type, object value) => type switch
    {
        ColumnType.WholeNumber => value is long,
        ColumnType.DecimalNumber => value is decimal,
        ColumnType.Text => value is string,
        ColumnType.Date => value is DateOnly,
        ColumnType.Timestamp => value is DateTime,
        _ => false,
    };
}
