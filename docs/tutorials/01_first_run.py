# %% [markdown]
# # 01_first_run

# %%
print(1)
