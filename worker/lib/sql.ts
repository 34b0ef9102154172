/** A SQL WHERE clause built from optional filters, with its parameters in order. */
export class Where {
  private readonly clauses: string[] = [];
  readonly params: unknown[] = [];

  constructor(clause: string, value: unknown) {
    this.and(clause, value);
  }

  /** Adds `clause` (one `?`) when `value` is given. */
  and(clause: string, value: unknown): this {
    if (value !== undefined) {
      this.clauses.push(clause);
      this.params.push(value);
    }
    return this;
  }

  toString(): string {
    return `WHERE ${this.clauses.join(" AND ")}`;
  }
}
